// `rsm status`: an environment on one screen. The nodes and the swarm's managers, the
// database as the cluster itself reports it, each app's tasks, and the edge proxy on each
// node are read in parallel (three readers, each with its own view of the environment),
// then judged (findings.h): what is not well, each with the command that helps. Nothing
// is changed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/apps.h"
#include "db/status.h"
#include "swarm/environment.h"

namespace rsm::status {

// The edge proxy on one node where it should run (a ready node that takes tasks).
struct EdgeState {
  std::string node;
  bool running = false;
  std::string failure;  // why its newest task there failed, if it did
};

struct EnvironmentStatus {
  std::string env;
  std::vector<swarm::NodeStatus> nodes;
  bool has_database = false;
  std::optional<db::StatusReport> db;  // when the database answered
  std::vector<app::AppRow> apps;
  bool has_edge = false;        // the proxy runs when some app publishes a port
  std::vector<EdgeState> edge;  // one per node it should run on
  // Parts that could not be read ("the database: ..."), each a problem in itself.
  std::vector<std::string> unreadable;
  std::vector<std::string> problems;  // findings.h: what is not well and what to run

  bool well() const { return problems.empty(); }
};

// Reads everything; an unreadable part is noted, not thrown. Throws only when the
// environment has no nodes (a mistyped name, most often).
EnvironmentStatus read_status(const std::string& env);

nlohmann::json to_json(const EnvironmentStatus& status);

}  // namespace rsm::status
