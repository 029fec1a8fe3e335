// The swarm-wide objects rsm keeps as it wants them: overlay networks, secrets, configs
// and services, all through a manager's engine. Every ensure/apply call can be re-run:
// it changes only what differs.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/client.h"
#include "swarm/objects.h"
#include "util/progress.h"

namespace rsm::swarm {

using engine::json;

// An attachable overlay network (standalone containers, such as rsm's relay, may join
// it). Returns its ID.
std::string ensure_overlay_network(engine::Client& manager, const std::string& name, const json& labels);

// A secret's value can never be read back through the API, nor changed: make_value() is
// called only when the secret does not exist yet. Returns its ID.
std::string ensure_secret(engine::Client& manager, const std::string& name, const json& labels,
                          const std::function<std::string()>& make_value);

// Configs cannot be changed either: they are named after their content (content_hash).
// A config with these labels that holds the content already is the one, whatever its name
// (one named by an earlier hash), so that the services using it stay unchanged.
std::optional<ObjectView> find_config(engine::Client& manager, const json& labels, const std::string& content);
// find_config(), or a new config `name`.
ObjectView ensure_config(engine::Client& manager, const std::string& name, const json& labels,
                         const std::string& content);

enum class ServiceChange { Created, Updated, Unchanged };

// The label with the hash of the spec rsm applied last.
inline constexpr const char* kSpecLabel = "rsm.spec";

// Creates the service, or updates it when spec differs from what rsm applied last (a hash
// of the spec is kept in its label rsm.spec: the engine fills in defaults, so the stored
// spec never equals ours field for field).
ServiceChange apply_service(engine::Client& manager, json spec);

// What apply_service would do with the spec, changing nothing. For an update, `differences`
// gets what differs in words a user knows ("image: web:1 -> web:2", "replicas: 2 -> 3",
// "environment", "a new build of the image"), or "settings rsm makes" when only other
// fields of the spec do.
ServiceChange compare_service(engine::Client& manager, json spec, std::vector<std::string>* differences = nullptr);

// Waits until the rolling update (or rollback) asked for just before is done; `service` is
// the service as found right after asking (its UpdatedAt tells this update from earlier
// ones). A change that starts no new task (labels only) is done once 5 s pass with no
// update begun. Throws Error when the update paused or was rolled back, ending with `see`.
void wait_for_update(engine::Client& manager, const ServiceView& service, bool rollback, const std::string& see,
                     Progress& progress);

}  // namespace rsm::swarm
