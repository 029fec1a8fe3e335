// rsm status ENV [--json] [--watch]: the environment on one screen (status/), with what
// to run about anything that is not well. Exit 0 only when all is well, for cron and CI.
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <thread>

#include <unistd.h>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/table.h"
#include "db/backup/schedule.h"
#include "status/environment_status.h"
#include "status/findings.h"
#include "util/error.h"

namespace rsm::cli {

namespace {

struct Options {
  std::string env;
  bool json = false;
  bool watch = false;
};

// How a node stands, in one word or two: the machine, else its engine, else the swarm.
std::string node_state(const swarm::NodeStatus& row) {
  if (!row.node.running()) return row.node.state;
  if (row.swarm_state != "active") return row.swarm_state;
  if (!row.availability.empty() && row.availability != "active") return row.status + ", " + row.availability;
  return row.status;
}

std::string describe_database(const status::EnvironmentStatus& status) {
  if (!status.has_database) return fmt::format("database: none (`rsm db create {}` makes one)\n", status.env);
  if (!status.db) return "database: does not answer\n";
  const auto& report = *status.db;
  int connected = 0, ready = 0, fewest = 0;
  for (const auto& server : report.servers) connected += server.connected;
  for (const auto& table : report.tables) {
    ready += table.ready_for_writes && table.all_replicas_ready;
    if (fewest == 0 || table.replicas < fewest) fewest = table.replicas;
  }
  std::string text = fmt::format("database: {} of {} servers connected; ", connected, report.servers.size());
  if (report.tables.empty())
    text += "no tables yet";
  else
    text += fmt::format("{} of {} tables ready, {} replicas or more", ready, report.tables.size(), fewest);
  if (!report.issues.empty()) text += fmt::format("; {} issue(s)", report.issues.size());
  text += "\n";
  if (report.backups.is_object())
    text += fmt::format("backups: every {}, {} archive(s) on {}; last run: {}\n", report.backups.value("every", ""),
                        report.backups["archives"].size(), report.backups.value("node", ""),
                        db::backup::describe_run(report.backups["last"]));
  return text;
}

std::string describe(const status::EnvironmentStatus& status) {
  auto managers = status::count_managers(status.nodes);
  std::string text = fmt::format("{}: {} node(s), {} of {} managers reachable{}\n\n", status.env, status.nodes.size(),
                                 managers.reachable, managers.all, managers.quorum() ? "" : " (NO QUORUM)");
  std::map<std::string, std::string> edge;  // node -> the proxy's state there
  for (const auto& state : status.edge) edge[state.node] = state.running ? "running" : "NOT RUNNING";
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : status.nodes)
    rows.push_back({row.node.name, row.role(), node_state(row), row.manager_status, row.node.driver, row.node.region,
                    row.node.public_address, status.has_edge ? edge[row.node.name] : ""});
  text += format_table({"NODE", "ROLE", "STATE", "MANAGER", "DRIVER", "REGION", "ADDRESS", "EDGE"}, rows);
  text += "\n" + describe_database(status);
  if (!status.apps.empty()) {
    rows.clear();
    for (const auto& app : status.apps)
      rows.push_back({app.name, fmt::format("{}/{}", app.running, app.replicas), app.image, app.update,
                      app.urls.empty() ? "" : app.urls.front()});
    text += "\n" + format_table({"APP", "RUNNING", "IMAGE", "LAST UPDATE", "URL"}, rows);
  }
  if (status.well()) return text + "\nall is well\n";
  text += fmt::format("\n{} problem(s):\n", status.problems.size());
  for (const auto& problem : status.problems) text += "  - " + problem + "\n";
  return text;
}

}  // namespace

void add_status_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<Options>();
  auto* status =
      app.add_subcommand("status",
                         "Everything about an environment on one screen, and what to run about what is not well; "
                         "exit 1 unless all is well");
  add_env_argument(status, options->env);
  status->add_flag("--json", options->json, "Print JSON for scripts");
  status->add_flag("-w,--watch", options->watch, "Redraw every 2 seconds until Ctrl-C");
  status->callback([options, &exit_code] {
    if (options->json && options->watch) throw UsageError("--watch redraws a screen: give it without --json");
    if (!options->watch) {
      auto read = status::read_status(options->env);
      if (options->json)
        fmt::print("{}\n", status::to_json(read).dump(2));
      else
        fmt::print("{}", describe(read));
      exit_code = read.well() ? 0 : 1;
      return;
    }
    bool terminal = isatty(STDOUT_FILENO);
    for (;;) {
      auto read = status::read_status(options->env);
      // Home and clear on a terminal; elsewhere (a pipe, a log) one screen after another.
      write_now(fmt::format("{}{}{:%H:%M:%S} (every 2 s, Ctrl-C to stop)\n", terminal ? "\x1b[H\x1b[2J" : "\n",
                            describe(read), std::chrono::system_clock::now()));
      std::this_thread::sleep_for(std::chrono::seconds(2));
    }
  });
}

}  // namespace rsm::cli
