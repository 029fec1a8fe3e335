// rsm db create|rm|password|logs: the RethinkDB cluster of an environment.
#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/confirm.h"
#include "db/cluster.h"

namespace rsm::cli {

namespace {

struct Options {
  std::string env;
  std::string server;
  db::CreateOptions create;
  bool json = false;
  bool quiet = false;
  bool keep_data = false;
  bool force = false;
  bool follow = false;
};

void print_create_result(const Options& options, const db::CreateResult& result) {
  if (options.json) {
    auto servers = nlohmann::json::array();
    for (const auto& server : result.servers)
      servers.push_back({{"service", server.service}, {"name", server.name}, {"node", server.node},
                         {"volume", server.volume}});
    fmt::print("{}\n", nlohmann::json{{"env", options.env},
                                      {"servers", servers},
                                      {"created", result.created},
                                      {"updated", result.updated},
                                      {"unchanged", result.unchanged},
                                      {"removed", result.removed},
                                      {"waiting", result.waiting}}
                           .dump(2));
    return;
  }
  fmt::print("{}: {} RethinkDB server(s) ({} created, {} updated, {} unchanged); clients use {}:{} on network {}\n",
             options.env, result.servers.size(), result.created.size(), result.updated.size(),
             result.unchanged.size(), db::kAlias, db::kDriverPort, db::kNetwork);
}

}  // namespace

void add_db_commands(CLI::App& app, int&) {
  auto options = std::make_shared<Options>();
  auto* db = app.add_subcommand("db", "The highly available RethinkDB cluster of an environment");
  db->require_subcommand(1);
  auto add_env = [&](CLI::App* command) {
    command->add_option("ENV", options->env, "Environment name")->required();
  };

  auto* create = db->add_subcommand(
      "create", "Create the cluster, one server pinned to each node, or re-apply it (never deletes data)");
  add_env(create);
  create->add_option("--servers-per-node", options->create.servers_per_node, "RethinkDB servers on each node")
      ->check(CLI::Range(1, 9));
  create->add_option("--image", options->create.image, "RethinkDB image; copied to the nodes when they lack it")
      ->capture_default_str();
  create->add_flag("--json", options->json, "Print JSON for scripts");
  create->add_flag("-q,--quiet", options->quiet, "No progress output");
  create->callback([options] {
    Progress progress(options->quiet || options->json);
    swarm::Environment env(options->env, progress);
    print_create_result(*options, db::Cluster(env, progress).create(options->create));
  });

  auto* rm = db->add_subcommand("rm", "Remove the cluster and, unless --keep-data, its data");
  add_env(rm);
  rm->add_flag("--keep-data", options->keep_data, "Keep the volumes and the admin password for a later create");
  rm->add_flag("-f,--force", options->force, "Do not ask before deleting the data");
  rm->callback([options] {
    Progress progress;
    swarm::Environment env(options->env, progress);
    if (!options->keep_data &&
        !confirmed(options->force,
                   fmt::format("Remove the database of {} and delete all of its data?", options->env),
                   fmt::format("not deleting the database of {} without confirmation: add -f, or --keep-data to keep "
                               "its data",
                               options->env)))
      throw Error("not removed");
    db::Cluster(env, progress).remove(options->keep_data);
  });

  auto* password = db->add_subcommand("password", "Print the admin password (it is never printed otherwise)");
  add_env(password);
  password->callback([options] {
    Progress progress(true);
    swarm::Environment env(options->env, progress);
    fmt::print("{}\n", db::Cluster(env, progress).password());
  });

  auto* logs = db->add_subcommand("logs", "Print the servers' logs");
  add_env(logs);
  logs->add_option("SERVER", options->server, "One server: its service, server or node name (default: all)");
  logs->add_flag("-f,--follow", options->follow, "Keep printing new lines");
  logs->callback([options] {
    Progress progress(true);
    swarm::Environment env(options->env, progress);
    db::Cluster(env, progress).logs(options->server, options->follow, [](std::string_view line) {
      std::fwrite(line.data(), 1, line.size(), stdout);
      std::fflush(stdout);
    });
  });
}

}  // namespace rsm::cli
