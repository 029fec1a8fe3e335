#include "app/apps.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <thread>

#include <fmt/format.h>

#include "db/layout.h"
#include "proxy/edge_proxy.h"
#include "swarm/image_distribution.h"
#include "swarm/resources.h"
#include "util/error.h"

namespace rsm::app {

using engine::json;

namespace {

constexpr auto kTimeout = std::chrono::seconds(180);

std::vector<std::string> app_labels(const std::string& env) {
  return {"rsm.env=" + env, fmt::format("{}={}", db::kComponentLabel, kComponent)};
}

bool is_running(const json& task) {
  return task.value("DesiredState", "") == "running" && task["Status"].value("State", "") == "running";
}

// Seconds since the epoch of the engine's RFC 3339 times ("2026-11-25T07:40:01.123Z");
// 0 when missing.
double engine_time(const std::string& text) {
  std::tm parts{};
  double seconds = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%lf", &parts.tm_year, &parts.tm_mon, &parts.tm_mday, &parts.tm_hour,
                  &parts.tm_min, &seconds) != 6)
    return 0;
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  return static_cast<double>(timegm(&parts)) + seconds;
}

void update_service(engine::Client& manager, const json& service, const json& spec, const std::string& extra = "") {
  manager.post(fmt::format("/services/{}/update?version={}{}", service["ID"].get<std::string>(),
                           service["Version"]["Index"].get<long>(), extra),
               spec);
}

}  // namespace

Apps::Apps(swarm::Environment& env, Progress& progress) : env_(env), progress_(progress) {}

json Apps::find(engine::Client& manager, const std::string& name) {
  auto service = swarm::find_service(manager, name);
  if (!service || (*service)["Spec"]["Labels"].value(db::kComponentLabel, "") != kComponent)
    throw UsageError(fmt::format("{} has no app {}; see `rsm app ls {}`", env_.name(), name, env_.name()));
  return *service;
}

DeployOutcome Apps::deploy(DeployRequest request, std::optional<int> replicas) {
  validate(request);
  engine::Client manager(env_.manager().engine);
  auto existing = swarm::find_service(manager, request.name);
  if (existing && (*existing)["Spec"]["Labels"].value(db::kComponentLabel, "") != kComponent)
    throw UsageError(
        fmt::format("{} already has a service {} that is not an app; choose another name", env_.name(), request.name));
  for (const auto& backend : backends(manager))
    for (int port : request.ports)
      if (backend.port == port && backend.app != request.name)
        throw UsageError(fmt::format("port {} is published by the app {} already; choose another", port, backend.app));
  request.replicas = replicas.value_or(existing ? (*existing)["Spec"]["Mode"]["Replicated"].value("Replicas", 2) : 2);

  std::map<std::string, std::string> secret_ids;
  for (const auto& name : request.secrets) {
    auto found = manager.get("/secrets?filters=" + engine::encode_filters({{"name", json::array({name})}}));
    for (const auto& secret : found)
      if (secret["Spec"].value("Name", "") == name) secret_ids[name] = secret["ID"];
    if (!secret_ids.contains(name))
      throw UsageError(fmt::format("{} has no secret {}{}", env_.name(), name,
                                   name == db::kPasswordSecret
                                       ? fmt::format(": create the database first (rsm db create {})", env_.name())
                                       : ""));
  }
  auto image = swarm::load_image(env_, request.image, progress_);
  swarm::ensure_overlay_network(manager, db::kNetwork, db::cluster_labels(env_.name()));

  auto change = swarm::apply_service(manager, service_spec(env_.name(), request, secret_ids, image.id));
  switch (change) {
    case swarm::ServiceChange::Created:
      progress_.step(request.name, fmt::format("created with {} replica(s) of {}", request.replicas, request.image));
      wait_for_tasks(manager, request.name, request.replicas);
      break;
    case swarm::ServiceChange::Updated:
      progress_.step(request.name, fmt::format("updating to {}, new tasks first", request.image));
      wait_for_update(manager, request.name, false, engine_time(find(manager, request.name).value("UpdatedAt", "")));
      wait_for_tasks(manager, request.name, request.replicas);
      break;
    case swarm::ServiceChange::Unchanged:
      break;
  }
  publish_ports(manager);
  return change == swarm::ServiceChange::Created   ? DeployOutcome::Created
         : change == swarm::ServiceChange::Updated ? DeployOutcome::Updated
                                                   : DeployOutcome::Unchanged;
}

std::vector<proxy::Backend> Apps::backends(engine::Client& manager) {
  std::vector<proxy::Backend> result;
  for (const auto& service : swarm::list_objects(manager, "services", app_labels(env_.name()))) {
    std::string name = service["Spec"].value("Name", "");
    int replicas = service["Spec"]["Mode"]["Replicated"].value("Replicas", 0);
    std::string ports = service["Spec"]["Labels"].value(kPortsLabel, "");
    for (size_t start = 0; start < ports.size();) {
      size_t end = std::min(ports.find(',', start), ports.size());
      result.push_back({name, std::atoi(ports.substr(start, end - start).c_str()), replicas});
      start = end + 1;
    }
  }
  std::sort(result.begin(), result.end(), [](const auto& a, const auto& b) { return a.port < b.port; });
  return result;
}

void Apps::publish_ports(engine::Client& manager) { proxy::publish(env_, db::kNetwork, backends(manager), progress_); }

void Apps::wait_for_tasks(engine::Client& manager, const std::string& name, int replicas) {
  auto deadline = std::chrono::steady_clock::now() + kTimeout;
  int failures = 0;
  std::string last_failure;
  for (;;) {
    json tasks = swarm::service_tasks(manager, name);
    int running = 0;
    for (const auto& task : tasks) running += is_running(task);
    if (running >= replicas) return;
    if (auto failure = swarm::task_failure(tasks); failure && *failure != last_failure) {
      last_failure = *failure;
      // One crash may be bad luck; tasks failing again and again are not.
      if (++failures >= 3)
        throw Error(
            fmt::format("{}'s tasks keep failing: {}; see `rsm app logs {} {}`", name, *failure, env_.name(), name));
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw Error(fmt::format("{} has {} of {} tasks running after {} s; see `rsm app ps {} {}`", name, running,
                              replicas, kTimeout.count(), env_.name(), name));
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

void Apps::wait_for_update(engine::Client& manager, const std::string& name, bool rollback, double since) {
  auto begun = std::chrono::steady_clock::now();
  auto deadline = begun + kTimeout;
  const char* what = rollback ? "rollback" : "update";
  for (;;) {
    json status = find(manager, name).value("UpdateStatus", json::object());
    std::string state = status.value("State", "");
    std::string message = status.value("Message", "");
    // The state of an earlier update says nothing about this one.
    bool ours = engine_time(status.value("StartedAt", "")) >= since - 1.0;
    if (ours) {
      if (state == (rollback ? "rollback_completed" : "completed")) return;
      if (!rollback && state.rfind("rollback", 0) == 0) {
        progress_.step(name, "the new tasks failed: rolling back");
        while (state == "rollback_started" && std::chrono::steady_clock::now() < deadline) {
          std::this_thread::sleep_for(std::chrono::milliseconds(250));
          state = find(manager, name)["UpdateStatus"].value("State", "");
        }
        throw Error(fmt::format("the update of {} failed and was rolled back ({}): {}; see `rsm app logs {} {}`", name,
                                state, message, env_.name(), name));
      }
      if (state == "paused" || state == "rollback_paused")
        throw Error(
            fmt::format("the {} of {} is paused: {}; see `rsm app ps {} {}`", what, name, message, env_.name(), name));
    } else if (std::chrono::steady_clock::now() - begun > std::chrono::seconds(5)) {
      return;  // no rolling update began: nothing the tasks run changed (labels, say)
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw Error(fmt::format("the {} of {} did not finish within {} s ({}); see `rsm app ps {} {}`", what, name,
                              kTimeout.count(), state, env_.name(), name));
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

std::vector<AppRow> Apps::list() {
  engine::Client manager(env_.manager().engine);
  std::vector<AppRow> rows;
  auto published = backends(manager);
  std::map<int, std::vector<std::string>> urls;  // port -> URLs
  for (const auto& backend : published) urls[backend.port] = proxy::urls(env_, backend.port);
  for (const auto& service : swarm::list_objects(manager, "services", app_labels(env_.name()))) {
    AppRow row;
    row.name = service["Spec"].value("Name", "");
    row.image = service["Spec"]["TaskTemplate"]["ContainerSpec"].value("Image", "");
    row.replicas = service["Spec"]["Mode"]["Replicated"].value("Replicas", 0);
    for (const auto& task : swarm::service_tasks(manager, row.name)) row.running += is_running(task);
    row.ports = service["Spec"]["Labels"].value(kPortsLabel, "");
    for (const auto& backend : published)
      if (backend.app == row.name)
        row.urls.insert(row.urls.end(), urls[backend.port].begin(), urls[backend.port].end());
    row.update = service.value("UpdateStatus", json::object()).value("State", "");
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const AppRow& a, const AppRow& b) { return a.name < b.name; });
  return rows;
}

std::vector<TaskRow> Apps::tasks(const std::string& name) {
  engine::Client manager(env_.manager().engine);
  find(manager, name);
  std::map<std::string, std::string> hostnames;
  for (const auto& node : manager.get("/nodes")) hostnames[node["ID"]] = node["Description"].value("Hostname", "");
  std::vector<TaskRow> rows;
  for (const auto& task : swarm::service_tasks(manager, name)) {
    rows.push_back({.id = task.value("ID", "").substr(0, 12),
                    .node = hostnames[task.value("NodeID", "")],
                    .state = task["Status"].value("State", ""),
                    .desired = task.value("DesiredState", ""),
                    .image = task["Spec"]["ContainerSpec"].value("Image", ""),
                    .error = task["Status"].value("Err", "")});
  }
  return rows;
}

void Apps::logs(const std::string& name, bool follow, const std::function<void(std::string_view)>& output) {
  engine::Client manager(env_.manager().engine);
  json service = find(manager, name);
  swarm::service_logs(manager, service["ID"], follow,
                      [&](std::string_view line) { output(fmt::format("{}\n", line)); });
}

void Apps::scale(const std::string& name, int replicas) {
  if (replicas < 0) throw UsageError("replicas cannot be negative");
  engine::Client manager(env_.manager().engine);
  json service = find(manager, name);
  json spec = service["Spec"];
  spec["Mode"]["Replicated"]["Replicas"] = replicas;
  progress_.step(name, fmt::format("scaling to {}", replicas));
  update_service(manager, service, spec);
  wait_for_tasks(manager, name, replicas);
  publish_ports(manager);
}

void Apps::rollback(const std::string& name) {
  engine::Client manager(env_.manager().engine);
  json service = find(manager, name);
  if (!service.contains("PreviousSpec"))
    throw UsageError(fmt::format("{} has never been updated: there is nothing to roll back to", name));
  progress_.step(name, "rolling back to the previous spec");
  update_service(manager, service, service["Spec"], "&rollback=previous");
  wait_for_update(manager, name, true, engine_time(find(manager, name).value("UpdatedAt", "")));
  json now = find(manager, name);
  wait_for_tasks(manager, name, now["Spec"]["Mode"]["Replicated"].value("Replicas", 0));
}

void Apps::remove(const std::string& name) {
  engine::Client manager(env_.manager().engine);
  json service = find(manager, name);
  progress_.step(name, "removing");
  manager.remove("/services/" + service["ID"].get<std::string>());
  publish_ports(manager);
}

}  // namespace rsm::app
