// An environment's droplets through the API: what rsm reads of one, the tags that make it
// one of rsm's, and the three steps whose order keeps a billed machine from ever being
// lost. A droplet is created with its tags in the same request (the API then holds no
// droplet of rsm's without them), so listing by the environment's tag finds everything an
// interrupted create made. Creating first looks for the name under that tag (a re-run
// takes what is there), and a create whose answer was lost (a 5xx, a dropped connection:
// it may have happened) is looked for again before it is asked again. Deleting goes by
// id, then reads the tag until nothing is left (deletes are slow to show).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/digitalocean/api.h"
#include "drivers/node.h"
#include "util/progress.h"

namespace rsm::drivers::digitalocean {

inline constexpr const char* kRsmTag = "rsm";
std::string environment_tag(std::string_view env);  // "rsm-env-ENV"
std::string role_tag(Role role);                    // "rsm-role-manager", "rsm-role-worker"

struct Droplet {
  long id = 0;
  std::string name;
  std::string status;                     // new, active, off, archive
  std::string region;                     // its slug
  std::string size;                       // its slug
  std::string public_ipv4, private_ipv4;  // empty until it has one
  std::vector<std::string> tags;
  double price_monthly = 0;

  // Running and reachable: active with a public address (it can be active before).
  bool ready() const { return status == "active" && !public_ipv4.empty(); }
  std::optional<Role> role() const;  // from its role tag
};

Droplet read_droplet(const json& droplet);

std::vector<Droplet> environment_droplets(Api& api, std::string_view env);

struct DropletRequest {
  std::string name;  // ENV-manager-N
  Role role = Role::Worker;
  std::string region, size, image;
  std::string ssh_key_fingerprint;  // the login key (login_key.h); empty: none
  std::string user_data;
};

// The droplet of that name in the environment, created when there is none.
Droplet ensure_droplet(Api& api, std::string_view env, const DropletRequest& request);

// Waits (up to 5 min) until the droplet is ready() and returns it as it is then.
Droplet wait_until_ready(Api& api, long id, Progress& progress);

// Deletes the droplets by id, then reads the environment's tag until none is left (up to
// 5 min); returns the names deleted.
std::vector<std::string> delete_droplets(Api& api, std::string_view env, const std::vector<Droplet>& droplets);

// Runs a power action ("power_on", "shutdown") and waits (up to 5 min) until it completed.
void power(Api& api, const Droplet& droplet, std::string_view action, Progress& progress);

// Deletes the environment's tag, and the role tags and "rsm" once no droplet carries "rsm".
void remove_tags(Api& api, std::string_view env);

}  // namespace rsm::drivers::digitalocean
