// The Engine API's JSON read into views, and the calls that list and update them. Missing
// fields read as empty: the engine leaves out what does not apply (ManagerStatus of a
// worker, UpdateStatus of a service never updated).
#include "swarm/objects.h"

#include <cstdio>
#include <ctime>

#include <fmt/format.h>

#include "engine/url.h"
#include "reql/base64.h"
#include "swarm/labels.h"

namespace rsm::swarm {

namespace {

std::map<std::string, std::string> labels_of(const json& labels) {
  std::map<std::string, std::string> result;
  if (!labels.is_object()) return result;
  for (const auto& [key, value] : labels.items())
    if (value.is_string()) result[key] = value.get<std::string>();
  return result;
}

const json& field(const json& object, const char* key) {
  static const json empty = json::object();
  auto found = object.find(key);
  return found != object.end() && found->is_object() ? *found : empty;
}

std::string text(const json& object, const char* key) {
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

long version_of(const json& object) { return field(object, "Version").value("Index", 0L); }

}  // namespace

ServiceView ServiceView::from(const json& service) {
  ServiceView view;
  view.id = text(service, "ID");
  view.spec = field(service, "Spec");
  view.name = text(view.spec, "Name");
  view.version = version_of(service);
  view.labels = labels_of(field(view.spec, "Labels"));
  const json& mode = field(view.spec, "Mode");
  view.global = mode.contains("Global");
  view.replicas = field(mode, "Replicated").value("Replicas", 0);
  view.image = text(field(field(view.spec, "TaskTemplate"), "ContainerSpec"), "Image");
  const json& update = field(service, "UpdateStatus");
  view.update_state = text(update, "State");
  view.update_message = text(update, "Message");
  view.update_started_at = text(update, "StartedAt");
  view.updated_at = text(service, "UpdatedAt");
  view.has_previous_spec = service.contains("PreviousSpec");
  return view;
}

std::string ServiceView::label(const std::string& key) const {
  auto found = labels.find(key);
  return found == labels.end() ? "" : found->second;
}

NodeView NodeView::from(const json& node) {
  NodeView view;
  view.id = text(node, "ID");
  view.spec = field(node, "Spec");
  view.hostname = text(field(node, "Description"), "Hostname");
  view.version = version_of(node);
  view.role = text(view.spec, "Role");
  view.availability = text(view.spec, "Availability");
  view.state = text(field(node, "Status"), "State");
  view.labels = labels_of(field(view.spec, "Labels"));
  auto label = view.labels.find(kNodeLabel);
  view.name = label != view.labels.end() && !label->second.empty() ? label->second : view.hostname;
  if (node.contains("ManagerStatus")) {
    const json& status = field(node, "ManagerStatus");
    view.manager = true;
    view.leader = status.value("Leader", false);
    view.reachability = text(status, "Reachability");
  }
  return view;
}

TaskView TaskView::from(const json& task) {
  TaskView view;
  view.id = text(task, "ID");
  view.node_id = text(task, "NodeID");
  view.service_id = text(task, "ServiceID");
  view.slot = task.value("Slot", 0);
  const json& status = field(task, "Status");
  view.state = text(status, "State");
  view.error = text(status, "Err");
  view.container_id = text(field(status, "ContainerStatus"), "ContainerID");
  view.desired_state = text(task, "DesiredState");
  const json& container = field(field(task, "Spec"), "ContainerSpec");
  view.image = text(container, "Image");
  for (const auto& config : container.value("Configs", json::array()))
    view.config_names.push_back(text(config, "ConfigName"));
  for (const auto& secret : container.value("Secrets", json::array()))
    view.secret_names.push_back(text(secret, "SecretName"));
  view.updated_at = text(task, "UpdatedAt");
  return view;
}

ObjectView ObjectView::from(const json& object) {
  return {.id = text(object, "ID"),
          .name = text(field(object, "Spec"), "Name"),
          .labels = labels_of(field(field(object, "Spec"), "Labels")),
          .created_at = text(object, "CreatedAt"),
          .data = reql::base64_decode(text(field(object, "Spec"), "Data"))};
}

std::vector<ObjectView> list_objects(engine::Client& manager, const std::string& kind,
                                     const std::vector<std::string>& labels) {
  std::vector<ObjectView> objects;
  for (const auto& object :
       manager.get(fmt::format("/{}?filters={}", kind, engine::encode_filters({{"label", labels}}))))
    objects.push_back(ObjectView::from(object));
  return objects;
}

std::optional<ObjectView> find_object(engine::Client& manager, const std::string& kind, const std::string& name) {
  for (const auto& object :
       manager.get(fmt::format("/{}?filters={}", kind, engine::encode_filters({{"name", json::array({name})}}))))
    if (auto view = ObjectView::from(object); view.name == name) return view;
  return std::nullopt;
}

std::vector<ServiceView> list_services(engine::Client& manager, const std::vector<std::string>& labels) {
  std::vector<ServiceView> services;
  for (const auto& service : manager.get("/services?filters=" + engine::encode_filters({{"label", labels}})))
    services.push_back(ServiceView::from(service));
  return services;
}

std::optional<ServiceView> find_service(engine::Client& manager, const std::string& name) {
  for (const auto& service :
       manager.get("/services?filters=" + engine::encode_filters({{"name", json::array({name})}}))) {
    auto view = ServiceView::from(service);
    if (view.name == name) return view;
  }
  return std::nullopt;
}

void update_service(engine::Client& manager, const ServiceView& service, const json& spec, const std::string& query) {
  manager.post(fmt::format("/services/{}/update?version={}{}", service.id, service.version, query), spec);
}

std::vector<NodeView> list_nodes(engine::Client& manager) {
  std::vector<NodeView> nodes;
  for (const auto& node : manager.get("/nodes")) nodes.push_back(NodeView::from(node));
  return nodes;
}

std::map<std::string, NodeView> nodes_by_name(engine::Client& manager) {
  std::map<std::string, NodeView> entries;
  for (auto& node : list_nodes(manager)) {
    auto [slot, added] = entries.try_emplace(node.name, node);
    if (!added && slot->second.down()) slot->second = std::move(node);
  }
  return entries;
}

void update_node(engine::Client& manager, const NodeView& node, const json& spec) {
  manager.post(fmt::format("/nodes/{}/update?version={}", node.id, node.version), spec);
}

int schedulable_nodes(engine::Client& manager) {
  int count = 0;
  for (const auto& node : list_nodes(manager)) count += node.ready() && node.availability == "active";
  return count;
}

std::vector<TaskView> service_tasks(engine::Client& manager, const std::string& service) {
  std::vector<TaskView> tasks;
  for (const auto& task :
       manager.get("/tasks?filters=" + engine::encode_filters({{"service", json::array({service})}})))
    tasks.push_back(TaskView::from(task));
  return tasks;
}

std::vector<TaskView> node_tasks(engine::Client& manager, const std::string& node_id) {
  std::vector<TaskView> tasks;
  for (const auto& task : manager.get("/tasks?filters=" + engine::encode_filters({{"node", json::array({node_id})}})))
    tasks.push_back(TaskView::from(task));
  return tasks;
}

int running_tasks(const std::vector<TaskView>& tasks) {
  int running = 0;
  for (const auto& task : tasks) running += task.running();
  return running;
}

std::optional<std::string> task_failure(const std::vector<TaskView>& tasks) {
  const TaskView* newest = nullptr;
  for (const auto& task : tasks)
    if (!newest || task.updated_at > newest->updated_at) newest = &task;
  if (!newest || (newest->state != "failed" && newest->state != "rejected")) return std::nullopt;
  return fmt::format("{} ({})", newest->error.empty() ? "no reason given" : newest->error, newest->state);
}

std::optional<std::string> FailureWatch::check(const std::vector<TaskView>& tasks) {
  for (const auto& task : tasks) {
    if (task.state != "failed" && task.state != "rejected") continue;
    if (!looked_)
      history_.insert(task.id);
    else if (!history_.contains(task.id))
      failed_.insert(task.id);
  }
  looked_ = true;
  if (static_cast<int>(failed_.size()) <= forgiven_) return std::nullopt;
  return task_failure(tasks);
}

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

}  // namespace rsm::swarm
