// The SSH keys rsm makes for droplets, by Debian's ssh-keygen (openssh-client): an ed25519
// pair written where it is wanted (the private half readable by its owner only, as ssh
// requires), and the MD5 fingerprint by which DigitalOcean's API names a public key.
#pragma once

#include <string>

namespace rsm::drivers::digitalocean {

// Writes a new pair at `file` and `file`.pub; Error naming ssh-keygen's words on failure.
void write_key_pair(const std::string& file, const std::string& comment);

// "aa:bb:...", as `ssh-keygen -l -E md5` gives it without its "MD5:".
std::string md5_fingerprint(const std::string& public_key_file);

}  // namespace rsm::drivers::digitalocean
