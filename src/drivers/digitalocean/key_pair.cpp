// ssh-keygen for the droplets' keys: see key_pair.h.
#include "drivers/digitalocean/key_pair.h"

#include <sstream>

#include <fmt/format.h>

#include "util/error.h"
#include "util/subprocess.h"

namespace rsm::drivers::digitalocean {

void write_key_pair(const std::string& file, const std::string& comment) {
  auto made = run_process({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file});
  if (made.exit_code != 0)
    throw Error(fmt::format("cannot make an SSH key with ssh-keygen: {}; install openssh-client", made.output));
}

std::string md5_fingerprint(const std::string& public_key_file) {
  auto listed = run_process({"ssh-keygen", "-l", "-E", "md5", "-f", public_key_file});
  // "256 MD5:aa:bb:... COMMENT (ED25519)"
  std::istringstream words(listed.output);
  std::string bits, fingerprint;
  words >> bits >> fingerprint;
  if (listed.exit_code != 0 || fingerprint.rfind("MD5:", 0) != 0)
    throw Error(fmt::format("cannot read the fingerprint of {}: {}", public_key_file, listed.output));
  return fingerprint.substr(4);
}

}  // namespace rsm::drivers::digitalocean
