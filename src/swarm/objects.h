// Typed views of the swarm's objects as a manager's engine describes them: services,
// nodes and tasks, each parsed once from the Engine API's JSON, so that the rest of rsm
// reads fields with names instead of JSON paths. A view keeps the object's spec as JSON
// too, since an update sends the whole spec back, changed.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/client.h"

namespace rsm::swarm {

using engine::json;

struct ServiceView {
  std::string id;
  std::string name;
  long version = 0;  // Version.Index: an update must name the version it changes
  std::map<std::string, std::string> labels;
  bool global = false;
  int replicas = 0;  // wanted, for a replicated service
  std::string image;
  std::string update_state;  // of the last update or rollback: updating, completed, rollback_started...
  std::string update_message;
  std::string update_started_at;  // RFC 3339, as the engine writes it
  std::string updated_at;
  bool has_previous_spec = false;  // a rollback has something to go back to
  json spec;

  static ServiceView from(const json& service);
  std::string label(const std::string& key) const;
};

struct NodeView {
  std::string id;
  std::string hostname;
  // rsm's name for the machine ("dev-manager-1"): its rsm.node label, else its hostname
  // (which the local driver makes the same). A machine rsm adopts keeps its own hostname.
  std::string name;
  long version = 0;
  std::string role;          // manager, worker
  std::string availability;  // active, pause, drain
  std::string state;         // ready, down, unknown, disconnected
  bool manager = false;      // takes part in the managers' Raft group
  bool leader = false;
  std::string reachability;  // reachable, unreachable (managers)
  std::map<std::string, std::string> labels;
  json spec;

  static NodeView from(const json& node);
  bool ready() const { return state == "ready"; }
  bool down() const { return state == "down"; }
};

struct TaskView {
  std::string id;
  std::string node_id;
  std::string service_id;
  std::string container_id;   // on its node's engine, once the task has a container
  int slot = 0;               // a replicated service's task number; 0 for a global service's
  std::string state;          // running, starting, failed, rejected...
  std::string desired_state;  // running, shutdown
  std::string error;
  std::string image;
  std::string updated_at;
  std::vector<std::string> config_names;
  std::vector<std::string> secret_names;

  static TaskView from(const json& task);
  bool running() const { return desired_state == "running" && state == "running"; }
};

// A secret or a config: made once under a name, never changed.
struct ObjectView {
  std::string id;
  std::string name;
  std::map<std::string, std::string> labels;
  std::string created_at;  // RFC 3339, as the engine writes it
  std::string data;        // a config's content (the engine never shows a secret's)

  static ObjectView from(const json& object);
};

// Secrets or configs (kind "secrets", "configs") with every given label ("key=value").
std::vector<ObjectView> list_objects(engine::Client& manager, const std::string& kind,
                                     const std::vector<std::string>& labels);
// The secret or config of exactly this name (the engine's name filter also matches prefixes).
std::optional<ObjectView> find_object(engine::Client& manager, const std::string& kind, const std::string& name);

// Services with every given label ("key=value").
std::vector<ServiceView> list_services(engine::Client& manager, const std::vector<std::string>& labels);
// The service of exactly this name (the engine's name filter also matches prefixes).
std::optional<ServiceView> find_service(engine::Client& manager, const std::string& name);
// Sends the changed spec of the service; `query` adds parameters ("&rollback=previous").
void update_service(engine::Client& manager, const ServiceView& service, const json& spec,
                    const std::string& query = "");

// The managers' list of swarm nodes (GET /nodes).
std::vector<NodeView> list_nodes(engine::Client& manager);
// One entry per rsm name: where a machine was made again under its name, the live entry.
std::map<std::string, NodeView> nodes_by_name(engine::Client& manager);
void update_node(engine::Client& manager, const NodeView& node, const json& spec);
// The nodes that are ready and active: where a global service runs a task.
int schedulable_nodes(engine::Client& manager);

// Every task of the service, whatever its state.
std::vector<TaskView> service_tasks(engine::Client& manager, const std::string& service);
// Every task the swarm gave the node (its ID), of any service and in any state.
std::vector<TaskView> node_tasks(engine::Client& manager, const std::string& node_id);
int running_tasks(const std::vector<TaskView>& tasks);
// Why the newest of these tasks failed ("... (failed)", "... (rejected)"), if it did.
std::optional<std::string> task_failure(const std::vector<TaskView>& tasks);

// Tells a task that fails once, which the swarm's restart may mend (a node that just came
// back fails the tasks it ran), from tasks that keep failing. Tasks that had failed before
// the first look are history and do not count.
class FailureWatch {
 public:
  explicit FailureWatch(int forgiven) : forgiven_(forgiven) {}
  // The newest failure once more than `forgiven` tasks failed while watched.
  std::optional<std::string> check(const std::vector<TaskView>& tasks);

 private:
  int forgiven_;
  bool looked_ = false;
  std::set<std::string> history_;
  std::set<std::string> failed_;
};

// Seconds since the epoch of the engine's RFC 3339 times ("2026-11-25T07:40:01.123Z");
// 0 when missing.
double engine_time(const std::string& text);

}  // namespace rsm::swarm
