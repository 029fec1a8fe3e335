// The environment's login key, made here and registered in the account: see login_key.h.
#include "drivers/digitalocean/login_key.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "util/error.h"
#include "util/state_dir.h"
#include "util/subprocess.h"

namespace rsm::drivers::digitalocean {

namespace fs = std::filesystem;

namespace {

fs::path key_file(const std::string& env) { return state_dir() / "digitalocean" / env / "id_ed25519"; }

std::string read_line(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

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

LoginKey ensure_login_key(Api& api, const std::string& env) {
  fs::path file = key_file(env);
  if (!fs::exists(file)) {
    fs::create_directories(file.parent_path());
    // Made beside and renamed, so that an interrupted run never leaves half a pair.
    fs::path making = file.string() + ".new";
    fs::remove(making);
    fs::remove(making.string() + ".pub");
    auto made = run_process({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "rsm-" + env, "-f", making});
    if (made.exit_code != 0)
      throw Error(fmt::format("cannot make the login key of {} with ssh-keygen: {}", env, made.output));
    fs::rename(making.string() + ".pub", file.string() + ".pub");
    fs::rename(making, file);
  }
  LoginKey key{.private_key_file = file.string(), .fingerprint = md5_fingerprint(file.string() + ".pub")};
  try {
    api.get("/v2/account/keys/" + key.fingerprint);
    return key;
  } catch (const ApiError& e) {
    if (e.status() != 404) throw;
  }
  try {
    api.post("/v2/account/keys", {{"name", "rsm-" + env}, {"public_key", read_line(file.string() + ".pub")}});
  } catch (const ApiError& e) {
    // Registered meanwhile (another rsm, or an answer lost on the way back).
    if (e.status() != 422 || std::string(e.what()).find("already in use") == std::string::npos) throw;
  }
  return key;
}

void remove_login_key(Api& api, const std::string& env) {
  fs::path file = key_file(env);
  if (!fs::exists(file.string() + ".pub")) return;
  api.remove("/v2/account/keys/" + md5_fingerprint(file.string() + ".pub"));
  fs::remove(file);
  fs::remove(file.string() + ".pub");
}

}  // namespace rsm::drivers::digitalocean
