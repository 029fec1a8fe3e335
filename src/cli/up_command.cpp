// rsm up [ENV] -f rsm.yaml / rsm down ENV: an environment from one file, and its removal.
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/confirm.h"
#include "db/layout.h"
#include "tunnel/port_offsets.h"
#include "up/converge.h"

namespace rsm::cli {

namespace {

struct Options {
  std::string env;
  std::string file = "rsm.yaml";
  bool quiet = false;
  bool force = false;
  bool json = false;
};

nlohmann::json summary_json(const std::string& env, const up::UpSummary& summary, double seconds) {
  auto apps = nlohmann::json::array();
  for (const auto& app : summary.apps)
    apps.push_back({{"name", app.name}, {"outcome", app.outcome}, {"ports", app.ports}, {"urls", app.urls}});
  nlohmann::json db = nullptr;
  if (summary.db_servers > 0) db = {{"servers", summary.db_servers}, {"changed", summary.db_changed}};
  return {{"env", env}, {"seconds", seconds}, {"nodes", summary.nodes}, {"nodes_added", summary.nodes_added},
          {"db", db},   {"apps", apps}};
}

void print_summary(const std::string& env, const up::UpSummary& summary, double seconds) {
  fmt::print("{} is up in {:.1f} s: {} node(s), {} added\n", env, seconds, summary.nodes, summary.nodes_added);
  if (summary.db_servers > 0)
    fmt::print(
        "  database: {} server(s), {} changed; apps use {}:{}; web admin: rsm db admin {} (http://localhost:{}/)\n",
        summary.db_servers, summary.db_changed.size(), db::kAlias, db::kDriverPort, env,
        tunnel::local_port(env, db::kHttpPort));
  for (const auto& app : summary.apps) {
    fmt::print("  app {} ({})", app.name, app.outcome);
    for (int port : app.ports)
      fmt::print("; port {}: rsm tunnel {} {} (http://localhost:{}/)", port, env, port, tunnel::local_port(env, port));
    fmt::print("\n");
    if (!app.urls.empty()) fmt::print("    edge proxy: {}\n", fmt::join(app.urls, " "));
  }
}

}  // namespace

void add_up_commands(CLI::App& cli, int&) {
  auto options = std::make_shared<Options>();
  auto* up =
      cli.add_subcommand("up", "Make an environment what its file says: nodes, database, apps (only what differs)");
  up->add_option("ENV", options->env, "Environment name (default: the file's env)");
  up->add_option("-f,--file", options->file, "The environment's file")->capture_default_str();
  up->add_flag("-q,--quiet", options->quiet, "No progress output");
  up->add_flag("--json", options->json, "Print the result as JSON (progress still goes to stderr)");
  up->callback([options] {
    Progress progress(options->quiet);
    auto file = up::read_environment_file(options->file);
    if (!options->env.empty()) file.env = options->env;
    if (file.env.empty())
      throw UsageError(fmt::format("name the environment: rsm up ENV, or env: in {}", options->file));
    auto summary = up::up(file, progress);
    if (options->json)
      fmt::print("{}\n", summary_json(file.env, summary, progress.elapsed_seconds()).dump(2));
    else
      print_summary(file.env, summary, progress.elapsed_seconds());
  });

  auto* down = cli.add_subcommand("down", "Remove the environment: every node, with the database and apps on them");
  add_env_argument(down, options->env);
  down->add_flag("-f,--force", options->force, "Do not ask for confirmation");
  down->callback([options] {
    Progress progress;
    confirm_removal(options->force,
                    fmt::format("Remove environment {} with its database, apps and all their data?", options->env),
                    fmt::format("not removing environment {} without confirmation: add -f", options->env));
    up::down(options->env, progress);
  });
}

}  // namespace rsm::cli
