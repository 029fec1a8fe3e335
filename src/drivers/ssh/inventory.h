// The ssh driver's record of each environment's hosts: which machines it adopted, under
// which names and roles, how it logs in, and their pinned host keys. It is the one thing
// rsm stores that the machines cannot tell it (a host does not know it was adopted until
// rsm reaches it), kept in the state folder: ssh/ENV/hosts.json and ssh/ENV/known_hosts.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "drivers/node.h"

namespace rsm::drivers {

struct SshHost {
  std::string name;  // ENV-manager-N
  Role role = Role::Worker;
  int index = 0;
  std::string user;  // empty: ssh's own choice (~/.ssh/config)
  std::string host;
  int port = 0;         // 0: ssh's own choice
  bool sudo = false;    // the login is not root and uses `sudo -n`
  std::string ssh_key;  // a private key file; empty for the user's ssh setup
  std::string address;  // where the others reach it (its WireGuard port) and the edge answers
  std::string region;
  bool bootstrapped = false;  // the engine answered once: later commands use it as it is

  std::string target() const;  // [user@]host[:port]
};

namespace inventory {

// The environments with adopted hosts.
std::vector<std::string> environments();
std::vector<SshHost> load(const std::string& env);
// Replaces the environment's record.
void save(const std::string& env, const std::vector<SshHost>& hosts);
// Removes the environment's folder: its record and pinned keys.
void remove(const std::string& env);
// The environment's known_hosts file (pinned host keys).
std::filesystem::path known_hosts(const std::string& env);

}  // namespace inventory

}  // namespace rsm::drivers
