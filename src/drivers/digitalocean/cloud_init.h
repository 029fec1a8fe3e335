// What a droplet boots with: cloud-init user data that installs the engine and the tools
// the ssh driver's bootstrap needs, and sets the machine's SSH host key to one rsm made
// here and pins before its first login, so that no login ever trusts a key on first use.
// The user data reaches the droplet through the API and the droplet's metadata service,
// so the host key is as secret as the account's token; it is the droplet's only host key
// (no other type is generated), whatever key type a client asks for.
#pragma once

#include <string>

namespace rsm::drivers::digitalocean {

struct HostKey {
  std::string private_key;  // OpenSSH format, several lines
  std::string public_key;   // "ssh-ed25519 BASE64", for known_hosts
};

// A new ed25519 key pair (key_pair.h), made in a private temporary folder and read back.
HostKey make_host_key();

// The #cloud-config document.
std::string user_data(const HostKey& host_key);

}  // namespace rsm::drivers::digitalocean
