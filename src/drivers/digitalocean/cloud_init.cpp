// The user data of rsm's droplets, and the host key it carries: see cloud_init.h.
#include "drivers/digitalocean/cloud_init.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "util/error.h"
#include "util/subprocess.h"

namespace rsm::drivers::digitalocean {

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The text as a YAML block scalar's lines, indented under its key.
std::string indented(const std::string& text, const std::string& indent) {
  std::string out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) out += indent + line + "\n";
  return out;
}

}  // namespace

HostKey make_host_key() {
  char folder[] = "/tmp/rsm-host-key-XXXXXX";
  if (!mkdtemp(folder)) throw Error("cannot make a temporary folder for a host key in /tmp");
  std::filesystem::path file = std::filesystem::path(folder) / "key";
  auto made = run_process({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", file.string()});
  HostKey key;
  if (made.exit_code == 0) {
    key.private_key = read_file(file);
    key.public_key = read_file(file.string() + ".pub");
    while (!key.public_key.empty() && (key.public_key.back() == '\n' || key.public_key.back() == ' '))
      key.public_key.pop_back();
  }
  std::filesystem::remove_all(folder);
  if (made.exit_code != 0 || key.private_key.empty())
    throw Error(fmt::format("cannot make an SSH host key with ssh-keygen: {}; install openssh-client", made.output));
  return key;
}

std::string user_data(const HostKey& host_key) {
  return fmt::format(R"(#cloud-config
# Made by rsm. The host key is the one rsm pinned before its first login.
ssh_deletekeys: true
ssh_genkeytypes: []
ssh_keys:
  ed25519_private: |
{}  ed25519_public: {}
package_update: true
packages: [docker.io, socat, wireguard-tools]
runcmd:
  - [systemctl, enable, --now, docker.service]
)",
                     indented(host_key.private_key, "    "), host_key.public_key);
}

}  // namespace rsm::drivers::digitalocean
