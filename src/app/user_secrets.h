// The user's secrets for apps: `rsm secret set|ls|rm` and rsm.yaml's `secrets:`. A swarm
// secret cannot change, so each value is a version of its own: an object NAME-<random>,
// labelled rsm.secret=NAME with a salted SHA-256 of the value (so that setting the same
// value again changes nothing; whoever can read the label can mount the secret anyway).
// Apps mount it as /run/secrets/NAME. A new value re-deploys the apps that use the
// secret, then the versions no service uses go. Values are never printed nor read back.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "swarm/environment.h"
#include "swarm/objects.h"
#include "util/progress.h"

namespace rsm::app {

inline constexpr const char* kSecretLabel = "rsm.secret";
inline constexpr const char* kSecretDigestLabel = "rsm.secret.digest";

struct SecretInfo {
  std::string name;
  std::string created_at;            // of the version in use
  std::vector<std::string> used_by;  // apps
};

struct SecretChange {
  bool changed = false;                 // false: the same value was there already
  std::vector<std::string> redeployed;  // apps that now mount the new value
};

// The secret an app names: the newest version of the user's secret NAME, else the swarm
// secret of exactly that name (rsm-db-password).
std::optional<swarm::ObjectView> find_app_secret(engine::Client& manager, const std::string& name);

class UserSecrets {
 public:
  UserSecrets(swarm::Environment& env, Progress& progress);

  // UsageError for a name that is not 1 to 48 of [A-Za-z0-9_.-], or an empty value.
  SecretChange set(const std::string& name, const std::string& value);
  // Whether the secret holds `value`; nullopt when there is no such secret. Changes nothing.
  std::optional<bool> holds_value(const std::string& name, const std::string& value);
  std::vector<SecretInfo> list();
  // UsageError when an app mounts it or there is none.
  void remove(const std::string& name);

 private:
  swarm::Environment& env_;
  Progress& progress_;
};

}  // namespace rsm::app
