// rsm up [ENV] -f rsm.yaml [--plan] [-y] [--prune [--prune-data]] / rsm down ENV: an
// environment from one file (what will change shown first, and asked on a terminal), and
// its removal.
#include <map>
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
  bool plan = false;
  bool yes = false;
  up::PruneOptions prune;
};

// One line per change: + create, ~ update, - remove, = keep, * build.
std::string describe_plan(const up::Plan& plan) {
  if (plan.changes.empty()) return fmt::format("{}: nothing to change\n", plan.env);
  std::string text = fmt::format("{}: the plan\n", plan.env);
  std::map<std::string, int> counts;
  for (const auto& change : plan.changes) {
    char mark = change.action == "create"   ? '+'
                : change.action == "update" ? '~'
                : change.action == "remove" ? '-'
                : change.action == "keep"   ? '='
                                            : '*';
    text += fmt::format("  {} {:<9} {}{}\n", mark, change.kind, change.name,
                        change.details.empty() ? "" : fmt::format(": {}", fmt::join(change.details, "; ")));
    ++counts[change.action];
  }
  text +=
      fmt::format("{} to create, {} to update, {} to remove\n", counts["create"], counts["update"], counts["remove"]);
  return text;
}

nlohmann::json summary_json(const std::string& env, const up::UpSummary& summary, double seconds) {
  auto apps = nlohmann::json::array();
  for (const auto& app : summary.apps)
    apps.push_back({{"name", app.name},
                    {"outcome", app.outcome},
                    {"ports", app.ports},
                    {"urls", app.urls},
                    {"routes", app.routes}});
  nlohmann::json db = nullptr;
  if (summary.db_servers > 0) db = {{"servers", summary.db_servers}, {"changed", summary.db_changed}};
  return {{"env", env},
          {"seconds", seconds},
          {"nodes", summary.nodes},
          {"nodes_added", summary.nodes_added},
          {"db", db},
          {"apps", apps},
          {"secrets_changed", summary.secrets_changed},
          {"removed", summary.removed}};
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
    if (!app.routes.empty())
      fmt::print("    routes (port 80 of every node, 443 for https): {}\n", fmt::join(app.routes, " "));
  }
  for (const auto& name : summary.secrets_changed) fmt::print("  secret {} stored\n", name);
  for (const auto& removed : summary.removed) fmt::print("  {} removed\n", removed);
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
  up->add_flag("--plan", options->plan, "Show what would change, and change nothing");
  up->add_flag("-y,--yes", options->yes, "Do not ask before changing (the question comes only on a terminal)");
  up->add_flag("--prune", options->prune.prune,
               "Also remove apps, nodes and a backup schedule the file does not name (a database too, keeping its "
               "data); a node goes once its tasks and database replicas moved to the others");
  up->add_flag("--prune-data", options->prune.prune_data,
               "With --prune, a database the file does not name goes with its volumes and password");
  up->callback([options] {
    if (options->prune.prune_data && !options->prune.prune) throw UsageError("--prune-data goes with --prune");
    Progress progress(options->quiet || (options->plan && options->json));
    auto file = up::read_environment_file(options->file);
    if (!options->env.empty()) file.env = options->env;
    if (file.env.empty())
      throw UsageError(fmt::format("name the environment: rsm up ENV, or env: in {}", options->file));
    auto plan = up::make_plan(file, options->prune);
    if (options->plan) {
      if (options->json)
        fmt::print("{}\n", up::to_json(plan).dump(2));
      else
        fmt::print("{}", describe_plan(plan));
      return;
    }
    if (!options->quiet && plan.changes_anything()) fmt::print(stderr, "{}", describe_plan(plan));
    if (plan.changes_anything() && !options->yes && can_ask() && !ask_yes("Apply these changes?"))
      throw Error("nothing was changed");
    auto summary = up::up(file, options->prune, progress);
    if (options->json) {
      auto out = summary_json(file.env, summary, progress.elapsed_seconds());
      out["plan"] = up::to_json(plan);
      fmt::print("{}\n", out.dump(2));
    } else {
      print_summary(file.env, summary, progress.elapsed_seconds());
    }
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
