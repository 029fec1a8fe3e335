// Networks, secrets, configs and services made idempotent: each call finds what exists
// first and changes only what differs.
#include "swarm/resources.h"

#include <fmt/format.h>

#include "reql/base64.h"
#include "util/content_hash.h"

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

}  // namespace rsm::swarm
