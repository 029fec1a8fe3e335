// The ssh driver's record of each environment's hosts: which machines it adopted (or, for
// a cloud driver built on it, made), under which names and roles, how it logs in, and
// their pinned host keys. It is the one thing rsm stores that the machines cannot tell it
// (a host does not know it was adopted until rsm reaches it), kept in the state folder
// under the driver's name: DRIVER/ENV/hosts.json and DRIVER/ENV/known_hosts.
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
  std::string size, image;  // a cloud machine's: what it is made as (empty for adopted hosts)
  // Its host key was pinned under its name (ssh's HostKeyAlias) before it first booted, so
  // that even the first login checks it; otherwise the first login pins it.
  bool pinned = false;
  bool bootstrapped = false;  // the engine answered once: later commands use it as it is

  std::string target() const;  // [user@]host[:port]
};

class Inventory {
 public:
  explicit Inventory(std::string driver) : driver_(std::move(driver)) {}

  // The environments with recorded hosts.
  std::vector<std::string> environments() const;
  std::vector<SshHost> load(const std::string& env) const;
  // Replaces the environment's record.
  void save(const std::string& env, const std::vector<SshHost>& hosts) const;
  // Removes the environment's folder: its record, pinned keys and anything else kept there.
  void remove(const std::string& env) const;
  std::filesystem::path folder(const std::string& env) const;
  // The environment's known_hosts file (pinned host keys).
  std::filesystem::path known_hosts(const std::string& env) const { return folder(env) / "known_hosts"; }

 private:
  std::string hosts_file(const std::string& env) const;  // below the state folder

  std::string driver_;
};

}  // namespace rsm::drivers
