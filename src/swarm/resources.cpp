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

namespace {}  // namespace

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

std::optional<ObjectView> find_config(engine::Client& manager, const json& labels, const std::string& content) {
  std::vector<std::string> filters;
  for (const auto& [key, value] : labels.items()) filters.push_back(key + "=" + value.get<std::string>());
  for (auto& config : list_objects(manager, "configs", filters))
    if (config.data == content) return config;
  return std::nullopt;
}

ObjectView ensure_config(engine::Client& manager, const std::string& name, const json& labels,
                         const std::string& content) {
  if (auto config = find_config(manager, labels, content)) return *config;
  std::string id =
      manager.post("/configs/create", {{"Name", name}, {"Labels", labels}, {"Data", reql::base64_encode(content)}})
          .at("ID");
  return {.id = id, .name = name, .data = content};
}

namespace {

// The hash of a spec, and the one an earlier rsm wrote for the same spec: a service
// labelled with either carries the spec already.
struct SpecHash {
  std::string hash;
  std::string earlier;
  bool labels(const ServiceView& service) const {
    auto label = service.label(kSpecLabel);
    return label == hash || label == earlier;
  }
};

// The spec with its hash in the label rsm.spec. A secret mounted under another name than
// its own is a version of the user's secret (app/user_secrets.h): which version is no part
// of the hash, since a new value is swapped into the services in place and the spec that
// deploy makes stays the same.
SpecHash label_with_hash(json& spec) {
  if (!spec.contains("Labels")) spec["Labels"] = json::object();
  spec["Labels"].erase(kSpecLabel);
  json hashed = spec;
  json::json_pointer secrets("/TaskTemplate/ContainerSpec/Secrets");
  if (hashed.contains(secrets) && hashed[secrets].is_array())
    for (auto& reference : hashed[secrets])
      if (reference.value("SecretName", "") != reference.value("File", json::object()).value("Name", "")) {
        reference.erase("SecretID");
        reference.erase("SecretName");
      }
  std::string text = hashed.dump();
  SpecHash result{content_hash({text}), earlier_content_hash({text})};
  spec["Labels"][kSpecLabel] = result.hash;
  return result;
}

// The fields of a service's spec that users set, by their JSON pointer.
struct NamedField {
  const char* pointer;
  const char* name;
  bool show_values;  // short enough to print both values
};
constexpr NamedField kNamedFields[] = {
    {"/TaskTemplate/ContainerSpec/Image", "image", true},
    {"/Mode/Replicated/Replicas", "replicas", true},
    {"/TaskTemplate/ContainerSpec/Labels/rsm.image.id", "a new build of the image", false},
    {"/TaskTemplate/ContainerSpec/Env", "environment", false},
    {"/TaskTemplate/ContainerSpec/Secrets", "secrets", false},
    {"/TaskTemplate/ContainerSpec/Healthcheck", "health check", false},
    {"/TaskTemplate/ContainerSpec/Args", "arguments", false},
    {"/TaskTemplate/Placement", "placement", false},
};

std::string value_text(const json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

// The engine keeps an empty list or object as null (or leaves it out).
json field_value(const json& spec, const json::json_pointer& pointer) {
  json value = spec.contains(pointer) ? spec[pointer] : json();
  return (value.is_array() || value.is_object()) && value.empty() ? json() : value;
}

}  // namespace

ServiceChange apply_service(engine::Client& manager, json spec) {
  SpecHash hash = label_with_hash(spec);
  auto existing = find_service(manager, spec.at("Name"));
  if (!existing) {
    manager.post("/services/create", spec);
    return ServiceChange::Created;
  }
  if (hash.labels(*existing)) return ServiceChange::Unchanged;
  update_service(manager, *existing, spec);
  return ServiceChange::Updated;
}

ServiceChange compare_service(engine::Client& manager, json spec, std::vector<std::string>* differences) {
  SpecHash hash = label_with_hash(spec);
  auto existing = find_service(manager, spec.at("Name"));
  if (!existing) return ServiceChange::Created;
  if (hash.labels(*existing)) return ServiceChange::Unchanged;
  if (!differences) return ServiceChange::Updated;
  for (const auto& field : kNamedFields) {
    json::json_pointer pointer(field.pointer);
    json before = field_value(existing->spec, pointer), after = field_value(spec, pointer);
    if (before == after) continue;
    // Another image is another build: saying both would say one thing twice.
    if (std::string_view(field.pointer).ends_with("rsm.image.id") && !differences->empty() &&
        differences->front().starts_with("image:"))
      continue;
    differences->push_back(field.show_values
                               ? fmt::format("{}: {} -> {}", field.name, value_text(before), value_text(after))
                               : field.name);
  }
  // rsm's own labels (rsm.app.ports, rsm.app.timeout, rsm.db.replicas...), by their last word.
  json before_labels = existing->spec.value("Labels", json::object()), after_labels = spec["Labels"];
  for (const auto& [key, value] : after_labels.items())
    if (key != kSpecLabel && before_labels.value(key, json()) != value)
      differences->push_back(fmt::format("{}: {} -> {}", key.substr(key.rfind('.') + 1),
                                         value_text(before_labels.value(key, json(""))), value_text(value)));
  if (differences->empty()) differences->push_back("settings rsm makes");
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
