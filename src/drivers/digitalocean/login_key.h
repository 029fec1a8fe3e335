// The SSH key rsm logs in to an environment's droplets with: an ed25519 pair made once
// per environment in the state folder (digitalocean/ENV/id_ed25519), registered once in
// the account as "rsm-ENV" and found there by its fingerprint, so a re-run (or a run on
// another day) neither registers it twice nor fails when it is there already. Droplets
// are created with it in ssh_keys; `rm` of the environment takes it off the account.
#pragma once

#include <string>

#include "drivers/digitalocean/api.h"

namespace rsm::drivers::digitalocean {

struct LoginKey {
  std::string private_key_file;
  std::string fingerprint;  // MD5, "aa:bb:...", as the API names keys
};

// Makes the key pair when the environment has none, and registers it when the account
// lacks it.
LoginKey ensure_login_key(Api& api, const std::string& env);

// Takes the key off the account (nothing when it is gone) and removes the pair here.
void remove_login_key(Api& api, const std::string& env);

}  // namespace rsm::drivers::digitalocean
