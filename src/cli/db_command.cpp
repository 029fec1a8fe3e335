// rsm db create|status|replicate|heal|backup|backups|restore|admin|rm|password|shell|logs:
// the RethinkDB cluster of an environment.
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/confirm.h"
#include "cli/table.h"
#include "db/backup/dump_archive.h"
#include "db/backup/schedule.h"
#include "db/cluster.h"
#include "db/placement.h"
#include "db/shell/reql_text.h"
#include "reql/errors.h"
#include "util/duration.h"
#include "util/error.h"
#include "util/subprocess.h"

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
  bool open = false;
  int replicas = 0;
  int port = 0;
  std::string file;                    // backup's -o, restore's FILE
  std::vector<std::string> selection;  // backup's -e, restore's -i
  std::string every;                   // backup's --every: a duration, or "off"
  int keep = 14;                       // backup's --keep
  std::string fetch;                   // backup's --fetch: an archive of the scheduled backups
  std::vector<std::string> evaluate;   // shell's -e: terms to run instead of reading them
};

// Runs one line of the shell (db/shell/reql_text.h), printing the answer as JSON: an atom
// on one line, a sequence one row per line. False when it failed (said on stderr).
bool run_shell_line(reql::Connection& connection, const std::string& line) {
  try {
    auto cursor = connection.run(reql::Term::raw(db::shell::parse_reql(line)));
    if (cursor.is_atom()) {
      write_now(cursor.value().dump() + "\n");
      return true;
    }
    while (auto row = cursor.next()) write_now(row->dump() + "\n");
    return true;
  } catch (const UsageError& e) {
    fmt::print(stderr, "not a term: {}\n", e.what());
  } catch (const ::reql::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
  }
  return false;
}

std::string age(double started) {
  if (started <= 0) return "-";
  auto seconds = static_cast<long>(std::time(nullptr) - started);
  if (seconds < 120) return fmt::format("{}s", seconds);
  if (seconds < 7200) return fmt::format("{}m", seconds / 60);
  if (seconds < 172800) return fmt::format("{}h", seconds / 3600);
  return fmt::format("{}d", seconds / 86400);
}

// Returns the exit code: 0 when everything is ready, 1 otherwise.
int print_status(const Options& options, const db::StatusReport& report) {
  if (options.json) {
    fmt::print("{}\n", db::to_json(report).dump(2));
    return report.ready() ? 0 : 1;
  }
  int connected = 0;
  for (const auto& server : report.servers) connected += server.connected;
  fmt::print("{}: {} of {} servers connected\n", options.env, connected, report.servers.size());
  // Servers in several regions: how each region stands (losing one must leave a majority).
  std::map<std::string, std::pair<int, int>> regions;  // region -> connected, all
  for (const auto& server : report.servers) {
    auto& [up, all] = regions[db::region_of(server.tags)];
    up += server.connected;
    ++all;
  }
  if (regions.size() > 1) {
    std::vector<std::string> parts;
    for (const auto& [region, counts] : regions)
      parts.push_back(fmt::format("{} {}/{}", region.empty() ? "(none)" : region, counts.first, counts.second));
    fmt::print("regions: {}\n", fmt::join(parts, ", "));
  }
  fmt::print("\n");
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : report.servers)
    rows.push_back({s.name, s.node, s.connected ? "connected" : "missing", s.connected ? std::to_string(s.peers) : "-",
                    fmt::format("{}", fmt::join(s.tags, ",")), s.version, age(s.started)});
  print_table({"SERVER", "NODE", "STATE", "PEERS", "TAGS", "VERSION", "UP"}, rows);
  if (!report.tables.empty()) {
    rows.clear();
    for (const auto& t : report.tables)
      rows.push_back({t.db + "." + t.name, std::to_string(t.shards), std::to_string(t.replicas),
                      t.ready_for_writes ? "yes" : "no", t.all_replicas_ready ? "yes" : "no"});
    fmt::print("\n");
    print_table({"TABLE", "SHARDS", "REPLICAS", "WRITABLE", "ALL READY"}, rows);
  }
  if (report.backups.is_object())
    fmt::print("\nbackups: every {}, {} archive(s) on {}; last run: {}\n", report.backups.value("every", ""),
               report.backups["archives"].size(), report.backups.value("node", ""),
               db::backup::describe_run(report.backups["last"]));
  for (const auto& issue : report.issues) fmt::print("\nissue: {}", issue);
  if (!report.issues.empty()) fmt::print("\n");
  for (const auto& problem : report.problems) fmt::print(stderr, "not ready: {}\n", problem);
  return report.ready() ? 0 : 1;
}

void print_create_result(const Options& options, const db::CreateResult& result) {
  if (options.json) {
    auto servers = nlohmann::json::array();
    for (const auto& server : result.servers)
      servers.push_back(
          {{"service", server.service}, {"name", server.name}, {"node", server.node}, {"volume", server.volume}});
    fmt::print("{}\n", nlohmann::json{{"env", options.env},
                                      {"servers", servers},
                                      {"created", result.created},
                                      {"updated", result.updated},
                                      {"unchanged", result.unchanged},
                                      {"removed", result.removed},
                                      {"waiting", result.waiting},
                                      {"replicated", result.replicated}}
                           .dump(2));
    return;
  }
  fmt::print("{}: {} RethinkDB server(s) ({} created, {} updated, {} unchanged); clients use {}:{} on network {}\n",
             options.env, result.servers.size(), result.created.size(), result.updated.size(), result.unchanged.size(),
             db::kAlias, db::kDriverPort, db::kNetwork);
}

// What every db command starts with: the environment and its cluster.
struct DbCommand : EnvCommand {
  DbCommand(const std::string& env_name, bool quiet) : EnvCommand(env_name, quiet), cluster(env, progress) {}
  db::Cluster cluster;
};

}  // namespace

void add_db_commands(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<Options>();
  auto* db = app.add_subcommand("db", "The highly available RethinkDB cluster of an environment");
  db->require_subcommand(1);
  auto add_env = [&](CLI::App* command) { add_env_argument(command, options->env); };

  auto* create = db->add_subcommand(
      "create", "Create the cluster, one server pinned to each node, or re-apply it (never deletes data)");
  add_env(create);
  create->add_option("--servers-per-node", options->create.servers_per_node, "RethinkDB servers on each node")
      ->check(CLI::Range(1, 9));
  create->add_option("--image", options->create.image, "RethinkDB image; copied to the nodes when they lack it")
      ->capture_default_str();
  create->add_option("--replicas", options->create.replicas, "Replicas of every table (default: min(3, servers))")
      ->check(CLI::Range(1, 9));
  create->add_flag(
      "--no-wait", [options](int64_t) { options->create.wait = false; },
      "Return once the servers run: do not wait for the cluster nor replicate tables");
  create
      ->add_option("--heartbeat", options->create.heartbeat,
                   "Seconds before a silent server counts as gone and its tables elect new primaries (default: "
                   "left as it is; 10 on a new cluster)")
      ->check(CLI::Range(db::kMinHeartbeat, db::kMaxHeartbeat));
  create->add_flag("--json", options->json, "Print JSON for scripts");
  create->add_flag("-q,--quiet", options->quiet, "No progress output");
  create->callback([options] {
    DbCommand command(options->env, options->quiet || options->json);
    print_create_result(*options, command.cluster.create(options->create));
  });

  auto* status = db->add_subcommand(
      "status", "Servers connected, tables' replicas and readiness, the cluster's issues; exit 1 unless all is ready");
  add_env(status);
  status->add_flag("--json", options->json, "Print JSON for scripts");
  status->callback([options, &exit_code] {
    DbCommand command(options->env, true);
    exit_code = print_status(*options, command.cluster.status());
    if (!options->json) command.cluster.warn_unless_highly_available();
  });

  auto* replicate = db->add_subcommand(
      "replicate", "Reconfigure every table to R replicas (default: as created, else min(3, servers)) and wait");
  add_env(replicate);
  replicate->add_option("--replicas", options->replicas, "Replicas per table")->check(CLI::Range(1, 9));
  replicate->add_flag("--json", options->json, "Print the result as JSON");
  replicate->callback([options] {
    DbCommand command(options->env, false);
    auto changed = command.cluster.replicate(options->replicas);
    if (options->json)
      fmt::print("{}\n", nlohmann::json{{"env", options->env}, {"reconfigured", changed}}.dump(2));
    else
      fmt::print("{}: {} table(s) reconfigured; every table is ready\n", options->env, changed.size());
  });

  auto* heal = db->add_subcommand(
      "heal", "Restart servers that do not see all the others, then re-replicate tables left on servers that are gone");
  add_env(heal);
  heal->add_flag("--json", options->json, "Print the result as JSON");
  heal->callback([options] {
    DbCommand command(options->env, false);
    auto restarted = command.cluster.heal();
    if (options->json)
      fmt::print("{}\n", nlohmann::json{{"env", options->env}, {"restarted", restarted}}.dump(2));
    else
      fmt::print("{}: {} server(s) restarted; every table is ready\n", options->env, restarted.size());
  });

  auto* backup = db->add_subcommand(
      "backup", "Write every user table (documents, indexes, write hooks) to one .tar.gz in rethinkdb dump's format");
  add_env(backup);
  backup->add_option("-o,--output", options->file,
                     "The archive to write (default: ENV_rethinkdb_dump_DATE.tar.gz here)");
  backup->add_option("-e,--export", options->selection, "Only this database or table, DB or DB.TABLE (repeat)");
  backup->add_option("--every", options->every,
                     "Back up inside the swarm on a schedule (6h, 1d...; off stops it), keeping --keep archives");
  backup->add_option("--keep", options->keep, "With --every: how many archives to keep (default 14)");
  backup->add_option("--fetch", options->fetch, "Copy this archive of the scheduled backups here (to -o, or NAME)");
  backup->add_flag("--json", options->json, "Print the result as JSON");
  backup->callback([options, backup] {
    if (!options->every.empty()) {
      if (!options->file.empty() || !options->selection.empty() || !options->fetch.empty())
        throw UsageError("--every schedules backups of every table: give it without -o, -e and --fetch");
      EnvCommand command(options->env, options->json);
      if (options->every == "off") {
        bool stopped = db::backup::unschedule_backups(command.env);
        if (options->json)
          fmt::print("{}\n", nlohmann::json{{"env", options->env}, {"stopped", stopped}}.dump(2));
        else
          fmt::print("{}: {}\n", options->env,
                     stopped ? fmt::format("scheduled backups stopped; their archives stay in the volume {}",
                                           db::backup::kArchivesVolume)
                             : "no backups were scheduled");
        return;
      }
      auto every = std::chrono::duration_cast<std::chrono::seconds>(parse_duration(options->every, "--every"));
      auto schedule = db::backup::schedule_backups(command.env, every, options->keep, command.progress);
      if (options->json) {
        fmt::print("{}\n", nlohmann::json{{"env", options->env},
                                          {"every", format_duration(every)},
                                          {"keep", options->keep},
                                          {"node", schedule.node}}
                               .dump(2));
        return;
      }
      fmt::print(
          "{}: backing up every {}, keeping the newest {} archives in the volume {} on {}; "
          "`rsm db backups {}` lists them\n",
          options->env, format_duration(every), options->keep, db::backup::kArchivesVolume, schedule.node,
          options->env);
      return;
    }
    if (backup->count("--keep") > 0) throw UsageError("--keep goes with --every");
    if (!options->fetch.empty()) {
      if (!options->selection.empty()) throw UsageError("--fetch copies a whole archive: give it without -e");
      std::string file = options->file.empty() ? options->fetch : options->file;
      if (std::filesystem::exists(file))
        throw UsageError(fmt::format("{} exists already: give another -o, or move it away first", file));
      EnvCommand command(options->env, options->json);
      db::backup::fetch_backup(command.env, options->fetch, file, command.progress);
      if (options->json)
        fmt::print("{}\n", nlohmann::json{{"file", file}, {"bytes", std::filesystem::file_size(file)}}.dump(2));
      else
        fmt::print("{}: {:.1f} MB copied from the scheduled backups of {}\n", file,
                   std::filesystem::file_size(file) / 1e6, options->env);
      return;
    }
    std::string file = options->file.empty() ? fmt::format("{}_{}.tar.gz", options->env, db::backup::dump_folder_name())
                                             : options->file;
    if (std::filesystem::exists(file))
      throw UsageError(fmt::format("{} exists already: give another -o, or move it away first", file));
    db::backup::TableSelection selection(options->selection);
    DbCommand command(options->env, options->json);
    auto result = command.cluster.backup(file, selection);
    if (options->json) {
      fmt::print("{}\n", nlohmann::json{{"file", result.file},
                                        {"tables", result.tables},
                                        {"documents", result.documents},
                                        {"bytes", result.bytes},
                                        {"indexes", result.indexes},
                                        {"write_hooks", result.write_hooks},
                                        {"users", result.users},
                                        {"seconds", result.seconds}}
                             .dump(2));
      return;
    }
    fmt::print(
        "{}: {} tables, {} documents ({:.1f} MB), {} indexes, {} write hooks, {} user accounts (without "
        "passwords) in {:.1f} s\n",
        result.file, result.tables.size(), result.documents, result.bytes / 1e6, result.indexes, result.write_hooks,
        result.users, result.seconds);
  });

  auto* backups =
      db->add_subcommand("backups", "The archives of the scheduled backups, newest first, and the last run");
  add_env(backups);
  backups->add_flag("--json", options->json, "Print JSON for scripts (null when none are scheduled)");
  backups->callback([options] {
    EnvCommand command(options->env, true);
    auto listed = db::backup::scheduled_backups(command.env);
    if (options->json) {
      fmt::print("{}\n", listed.dump(2));
      return;
    }
    if (listed.is_null()) {
      fmt::print("{0}: no scheduled backups; `rsm db backup {0} --every 6h` starts them\n", options->env);
      return;
    }
    fmt::print("{}: every {}, keeping {}, in the volume {} on {}\nlast run: {}\n\n", options->env,
               listed.value("every", ""), listed.value("keep", 0), db::backup::kArchivesVolume,
               listed.value("node", ""), db::backup::describe_run(listed["last"]));
    std::vector<std::vector<std::string>> rows;
    for (const auto& archive : listed["archives"])
      rows.push_back({archive.value("name", ""), fmt::format("{:.1f} MB", archive.value("bytes", 0.0) / 1e6)});
    print_table({"ARCHIVE", "SIZE"}, rows);
  });

  auto* restore = db->add_subcommand(
      "restore", "Restore an archive of rsm db backup or rethinkdb dump: tables, documents, indexes, write hooks");
  add_env(restore);
  restore->add_option("FILE", options->file, "The archive (.tar.gz)")->required();
  restore->add_option("-i,--import", options->selection, "Only this database or table, DB or DB.TABLE (repeat)");
  restore->add_flag("--force", options->force,
                    "Write into tables that have documents (the backup's replace those with the same primary key)");
  restore->add_flag("--json", options->json, "Print the result as JSON");
  restore->callback([options] {
    db::backup::DumpReader archive(options->file);  // a file that is not a backup stops here, before any session
    DbCommand command(options->env, options->json);
    auto result = command.cluster.restore(
        archive, {.selection = db::backup::TableSelection(options->selection), .force = options->force});
    if (options->json) {
      fmt::print("{}\n", nlohmann::json{{"tables", result.tables},
                                        {"documents", result.documents},
                                        {"indexes", result.indexes},
                                        {"write_hooks", result.write_hooks},
                                        {"users", result.users},
                                        {"seconds", result.seconds}}
                             .dump(2));
      return;
    }
    fmt::print("{}: {} tables, {} documents, {} indexes, {} write hooks restored in {:.1f} s\n", options->env,
               result.tables.size(), result.documents, result.indexes, result.write_hooks, result.seconds);
    if (result.users > 0)
      fmt::print(
          "{}: {} user accounts and their permissions restored; accounts that were missing have no password "
          "until you set one (r.db('rethinkdb').table('users').get(NAME).update({{password: ...}}))\n",
          options->env, result.users);
  });

  auto* admin = db->add_subcommand(
      "admin", "The web admin on localhost through a tunnel (never published on the swarm); Ctrl-C ends it");
  add_env(admin);
  admin
      ->add_option("-p,--port", options->port,
                   "Local port (default: 8080 + 100 x the environment's tunnel offset, e.g. 8180)")
      ->check(CLI::Range(0, 65535));
  admin->add_flag("--open", options->open, "Open it in the browser");
  admin->callback([options] {
    DbCommand command(options->env, false);
    command.cluster.admin(options->port, [&](int port) {
      announce_local_url(fmt::format("{}: web admin", options->env), port, options->open);
    });
  });

  auto* rm = db->add_subcommand("rm", "Remove the cluster and, unless --keep-data, its data");
  add_env(rm);
  rm->add_flag("--keep-data", options->keep_data, "Keep the volumes and the admin password for a later create");
  rm->add_flag("-f,--force", options->force, "Do not ask before deleting the data");
  rm->callback([options] {
    DbCommand command(options->env, false);
    if (!options->keep_data)
      confirm_removal(options->force,
                      fmt::format("Remove the database of {} and delete all of its data?", options->env),
                      fmt::format("not deleting the database of {} without confirmation: add -f, or --keep-data to "
                                  "keep its data",
                                  options->env));
    command.cluster.remove(options->keep_data);
  });

  auto* password = db->add_subcommand("password", "Print the admin password (it is never printed otherwise)");
  add_env(password);
  password->callback([options] {
    DbCommand command(options->env, true);
    fmt::print("{}\n", command.cluster.password());
  });

  auto* shell = db->add_subcommand(
      "shell", "A ReQL prompt as admin, through the relay: r.db('shop').table('orders').count(), or JSON terms");
  add_env(shell);
  shell->add_option("-e,--eval", options->evaluate, "Run this term and exit (repeat); otherwise terms come from stdin");
  shell->callback([options, &exit_code] {
    DbCommand command(options->env, true);
    auto session = command.cluster.open_session();
    int failed = 0;
    for (const auto& term : options->evaluate) failed += !run_shell_line(*session.connection, term);
    if (options->evaluate.empty()) {
      bool terminal = isatty(STDIN_FILENO) == 1;
      if (terminal) fmt::print(stderr, "ReQL on {} as admin; one term per line, Ctrl-D ends\n", options->env);
      for (std::string line;;) {
        if (terminal) fmt::print(stderr, "{}> ", options->env);
        if (!std::getline(std::cin, line) || line == "exit" || line == "quit") break;
        if (line.find_first_not_of(" \t") == std::string::npos || line.starts_with("//")) continue;
        failed += !run_shell_line(*session.connection, line);
      }
    }
    exit_code = failed > 0 ? 1 : 0;
  });

  auto* logs = db->add_subcommand("logs", "Print the servers' logs");
  add_env(logs);
  logs->add_option("SERVER", options->server, "One server: its service, server or node name (default: all)");
  auto log_query = add_log_flags(logs);
  logs->callback([options, log_query] {
    DbCommand command(options->env, true);
    command.cluster.logs(options->server, log_query(), write_now);
  });
}

}  // namespace rsm::cli
