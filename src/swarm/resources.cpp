#include "swarm/resources.h"

#include <fmt/format.h>

#include "engine/exec.h"
#include "reql/base64.h"
#include "util/content_hash.h"
#include "util/line_splitter.h"

namespace rsm::swarm {

using engine::Method;

namespace {

constexpr const char* kSpecLabel = "rsm.spec";

// The first object of this kind whose name is exactly `name` (the engine's name filter
// also matches prefixes).
std::optional<json> find_by_name(engine::Client& manager, const std::string& kind, const std::string& name) {
  for (auto& object :
       manager.get(fmt::format("/{}?filters={}", kind, engine::encode_filters({{"name", json::array({name})}}))))
    if (object["Spec"].value("Name", "") == name) return object;
  return std::nullopt;
}

}  // namespace

std::string ensure_overlay_network(engine::Client& manager, const std::string& name, const json& labels) {
  auto existing = manager.request(Method::Get, "/networks/" + name);
  if (existing.ok()) return json::parse(existing.body).at("Id");
  return manager
      .post("/networks/create",
            {{"Name", name}, {"Driver", "overlay"}, {"Attachable", true}, {"CheckDuplicate", true}, {"Labels", labels}})
      .at("Id");
}

std::string ensure_secret(engine::Client& manager, const std::string& name, const json& labels,
                          const std::function<std::string()>& make_value) {
  if (auto secret = find_by_name(manager, "secrets", name)) return secret->at("ID");
  return manager
      .post("/secrets/create", {{"Name", name}, {"Labels", labels}, {"Data", reql::base64_encode(make_value())}})
      .at("ID");
}

std::string ensure_config(engine::Client& manager, const std::string& name, const json& labels,
                          const std::string& content) {
  if (auto config = find_by_name(manager, "configs", name)) return config->at("ID");
  return manager.post("/configs/create", {{"Name", name}, {"Labels", labels}, {"Data", reql::base64_encode(content)}})
      .at("ID");
}

json list_objects(engine::Client& manager, const std::string& kind, const std::vector<std::string>& labels) {
  return manager.get(fmt::format("/{}?filters={}", kind, engine::encode_filters({{"label", labels}})));
}

std::optional<json> find_service(engine::Client& manager, const std::string& name) {
  return find_by_name(manager, "services", name);
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
  if ((*existing)["Spec"]["Labels"].value(kSpecLabel, "") == hash) return ServiceChange::Unchanged;
  manager.post(fmt::format("/services/{}/update?version={}", (*existing)["ID"].get<std::string>(),
                           (*existing)["Version"]["Index"].get<long>()),
               spec);
  return ServiceChange::Updated;
}

json service_tasks(engine::Client& manager, const std::string& service) {
  return manager.get("/tasks?filters=" + engine::encode_filters({{"service", json::array({service})}}));
}

std::optional<std::string> task_failure(const json& tasks) {
  const json* newest = nullptr;
  for (const auto& task : tasks)
    if (!newest || task.value("UpdatedAt", "") > newest->value("UpdatedAt", "")) newest = &task;
  if (!newest) return std::nullopt;
  std::string state = (*newest)["Status"].value("State", "");
  if (state != "failed" && state != "rejected") return std::nullopt;
  return fmt::format("{} ({})", (*newest)["Status"].value("Err", "no reason given"), state);
}

void service_logs(engine::Client& manager, const std::string& service_id, bool follow,
                  const std::function<void(std::string_view line)>& on_line) {
  LineSplitter lines(on_line);
  engine::StreamDemuxer demuxer([&](engine::StreamKind, std::string_view text) { lines.feed(text); });
  manager.checked(Method::Get, fmt::format("/services/{}/logs?stdout=1&stderr=1&follow={}", service_id, follow ? 1 : 0),
                  {.sink = [&](std::string_view chunk) { demuxer.feed(chunk); }, .timeout_seconds = follow ? 0 : 60});
  lines.finish();
}

}  // namespace rsm::swarm
