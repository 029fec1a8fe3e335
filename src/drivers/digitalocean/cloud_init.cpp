// The user data of rsm's droplets, and the host key it carries: see cloud_init.h.
#include "drivers/digitalocean/cloud_init.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "drivers/digitalocean/key_pair.h"
#include "util/error.h"

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
  HostKey key;
  try {
    write_key_pair(file.string(), "");
    key.private_key = read_file(file);
    key.public_key = read_file(file.string() + ".pub");
  } catch (...) {
    std::filesystem::remove_all(folder);
    throw;
  }
  std::filesystem::remove_all(folder);
  while (!key.public_key.empty() && (key.public_key.back() == '\n' || key.public_key.back() == ' '))
    key.public_key.pop_back();
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
