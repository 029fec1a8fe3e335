// The views against the shapes the Engine API gives (Docker 20.10, API 1.41), fields left
// out as the engine leaves them out.
#include "swarm/objects.h"

#include <gtest/gtest.h>

using namespace rsm::swarm;
using nlohmann::json;

TEST(ServiceView, ReadsAReplicatedServiceAndItsLastUpdate) {
  auto service = ServiceView::from(json::parse(R"json({
    "ID": "s1", "Version": {"Index": 42}, "UpdatedAt": "2026-11-25T07:40:01.5Z",
    "Spec": {"Name": "web", "Labels": {"rsm.env": "dev", "rsm.app.ports": "8080"},
             "TaskTemplate": {"ContainerSpec": {"Image": "web:2"}},
             "Mode": {"Replicated": {"Replicas": 3}}},
    "PreviousSpec": {"Name": "web"},
    "UpdateStatus": {"State": "rollback_completed", "StartedAt": "2026-11-25T07:40:00Z", "Message": "update rolled back"}
  })json"));
  EXPECT_EQ(service.id, "s1");
  EXPECT_EQ(service.name, "web");
  EXPECT_EQ(service.version, 42);
  EXPECT_EQ(service.label("rsm.env"), "dev");
  EXPECT_EQ(service.label("absent"), "");
  EXPECT_FALSE(service.global);
  EXPECT_EQ(service.replicas, 3);
  EXPECT_EQ(service.image, "web:2");
  EXPECT_EQ(service.update_state, "rollback_completed");
  EXPECT_EQ(service.update_message, "update rolled back");
  EXPECT_TRUE(service.has_previous_spec);
  EXPECT_EQ(service.spec["Name"], "web");
  EXPECT_DOUBLE_EQ(engine_time(service.updated_at) - engine_time(service.update_started_at), 1.5);
}

TEST(ServiceView, AGlobalServiceNeverUpdatedHasNoUpdateState) {
  auto service = ServiceView::from(json::parse(R"json({"ID": "s2", "Version": {"Index": 1},
    "Spec": {"Name": "rsm-proxy", "Mode": {"Global": {}}}})json"));
  EXPECT_TRUE(service.global);
  EXPECT_EQ(service.replicas, 0);
  EXPECT_EQ(service.update_state, "");
  EXPECT_FALSE(service.has_previous_spec);
  EXPECT_EQ(engine_time(service.updated_at), 0);
}

TEST(NodeView, ReadsManagersAndWorkers) {
  auto leader = NodeView::from(json::parse(R"json({"ID": "n1", "Version": {"Index": 9},
    "Description": {"Hostname": "dev-manager-1"},
    "Spec": {"Role": "manager", "Availability": "active", "Labels": {"rsm.role": "manager"}},
    "Status": {"State": "ready"}, "ManagerStatus": {"Leader": true, "Reachability": "reachable"}})json"));
  EXPECT_EQ(leader.hostname, "dev-manager-1");
  EXPECT_EQ(leader.name, "dev-manager-1");  // no rsm.node label yet: the hostname
  EXPECT_TRUE(leader.manager);
  EXPECT_TRUE(leader.leader);
  EXPECT_TRUE(leader.ready());
  EXPECT_EQ(leader.labels.at("rsm.role"), "manager");

  // A machine rsm adopted keeps its own hostname; rsm's name is its label.
  auto worker = NodeView::from(json::parse(R"json({"ID": "n2", "Version": {"Index": 3},
    "Description": {"Hostname": "vps-4711"},
    "Spec": {"Role": "worker", "Availability": "drain", "Labels": {"rsm.node": "dev-worker-1"}},
    "Status": {"State": "down"}})json"));
  EXPECT_FALSE(worker.manager);
  EXPECT_EQ(worker.name, "dev-worker-1");
  EXPECT_TRUE(worker.down());
  EXPECT_EQ(worker.availability, "drain");
  EXPECT_EQ(worker.reachability, "");
}

TEST(TaskView, TheNewestTaskSaysWhyItFailed) {
  std::vector<TaskView> tasks;
  for (const char* text : {
           R"json({"ID": "t1", "NodeID": "n1", "DesiredState": "running", "UpdatedAt": "2026-11-25T07:40:01Z",
               "Status": {"State": "running"}, "Spec": {"ContainerSpec": {"Image": "web:1",
               "Configs": [{"ConfigName": "rsm-proxy-abc"}]}}})json",
           R"json({"ID": "t2", "DesiredState": "shutdown", "UpdatedAt": "2026-11-25T07:40:09Z",
               "Status": {"State": "failed", "Err": "task: non-zero exit (1)"}})json"})
    tasks.push_back(TaskView::from(json::parse(text)));
  EXPECT_TRUE(tasks[0].running());
  EXPECT_EQ(tasks[0].config_names, std::vector<std::string>{"rsm-proxy-abc"});
  EXPECT_FALSE(tasks[1].running());
  EXPECT_EQ(running_tasks(tasks), 1);
  EXPECT_EQ(task_failure(tasks), "task: non-zero exit (1) (failed)");
  tasks.pop_back();
  EXPECT_EQ(task_failure(tasks), std::nullopt);
}

TEST(FailureWatch, ForgivesFailuresBeforeTheFirstLookAndAsManyAsAskedAfterIt) {
  auto task = [](const char* id, const char* state, const char* updated_at) {
    TaskView view;
    view.id = id;
    view.state = state;
    view.updated_at = updated_at;
    view.error = "No such image: db:404";
    return view;
  };
  FailureWatch watch(1);
  std::vector<TaskView> tasks{task("old", "failed", "2026-11-25T07:40:01Z")};
  EXPECT_EQ(watch.check(tasks), std::nullopt) << "failed before the first look: history";
  tasks.push_back(task("t1", "rejected", "2026-11-25T07:40:05Z"));
  EXPECT_EQ(watch.check(tasks), std::nullopt) << "one failure is forgiven";
  EXPECT_EQ(watch.check(tasks), std::nullopt) << "the same task seen again is still one";
  tasks.push_back(task("t2", "rejected", "2026-11-25T07:40:10Z"));
  EXPECT_EQ(watch.check(tasks), "No such image: db:404 (rejected)");
}
