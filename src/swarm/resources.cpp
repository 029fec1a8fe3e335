// Networks, secrets, configs and services made idempotent: each call finds what exists
// first and changes only what differs.
#include "swarm/resources.h"

#include <chrono>

#include <fmt/format.h>

#include "reql/base64.h"
#include "util/content_hash.h"
#include "util/error.h"
#include "util/poll.h"

namespace rsm::swarm {

using engine::Method;

namespace {

constexpr const char* kSpecLabel = "rsm.spec";

}  // namespace

std::string ensure_overlay_network(engine::Client& manager, const std::string& name, const json& labels) {
  if (auto existing = manager.find("/networks/" + name)) return existing->at("Id");
  return manager
      .post("/networks/create",
            {{"Name", name}, {"Driver", "overlay"}, {"Attachable", true}, {"CheckDuplicate", true}, {"Labels", labels}})
      .at("Id");
}

std::string ensure_secret(engine::Client& manager, const std::string& name, const json& labels,
                          const std::function<std::string()>& make_value) {
  if (auto secret = find_object(manager, "secrets", name)) return secret->id;
  return manager
      .post("/secrets/create", {{"Name", name}, {"Labels", labels}, {"Data", reql::base64_encode(make_value())}})
      .at("ID");
}

std::string ensure_config(engine::Client& manager, const std::string& name, const json& labels,
                          const std::string& content) {
  if (auto config = find_object(manager, "configs", name)) return config->id;
  return manager.post("/configs/create", {{"Name", name}, {"Labels", labels}, {"Data", reql::base64_encode(content)}})
      .at("ID");
}

ServiceChange apply_service(engine::Client& manager, json spec) {
  if (!spec.contains("Labels")) spec["Labels"] = json::object();
  spec["Labels"].erase(kSpecLabel);
  std::string hash = content_hash({spec.dump()});
  spec["Labels"][kSpecLabel] = hash;
  auto existing = find_service(manager, spec.at("Name"));
  if (!existing) {
    manager.post("/services/create", spec);
    return ServiceChange::Created;
  }
  if (existing->label(kSpecLabel) == hash) return ServiceChange::Unchanged;
  update_service(manager, *existing, spec);
  return ServiceChange::Updated;
}

void wait_for_update(engine::Client& manager, const ServiceView& service, bool rollback, const std::string& see,
                     Progress& progress) {
  constexpr auto kTimeout = seconds(180);
  constexpr auto kInterval = milliseconds(250);
  auto begun = std::chrono::steady_clock::now();
  double since = engine_time(service.updated_at);
  const char* what = rollback ? "rollback" : "update";
  auto look = [&] {
    auto now = find_service(manager, service.name);
    if (!now) throw Error(fmt::format("{} was removed during its {}", service.name, what));
    return *now;
  };
  std::string state;
  poll_until(
      kTimeout, kInterval,
      [&] { return fmt::format("the {} of {} did not finish ({}); {}", what, service.name, state, see); },
      [&] {
        ServiceView now = look();
        state = now.update_state;
        // The state of an earlier update says nothing about this one.
        if (engine_time(now.update_started_at) < since - 1.0)
          // No rolling update began after 5 s: nothing the tasks run changed (labels, say).
          return std::chrono::steady_clock::now() - begun > seconds(5);
        if (state == (rollback ? "rollback_completed" : "completed")) return true;
        if (!rollback && state.starts_with("rollback")) {
          progress.step(service.name, "the new tasks failed: rolling back");
          poll_for(kTimeout, kInterval, [&] {
            state = look().update_state;
            return state != "rollback_started";
          });
          throw Error(fmt::format("the update of {} failed and was rolled back ({}): {}; {}", service.name, state,
                                  now.update_message, see));
        }
        if (state == "paused" || state == "rollback_paused")
          throw Error(fmt::format("the {} of {} is paused: {}; {}", what, service.name, now.update_message, see));
        return false;
      });
}

}  // namespace rsm::swarm
