// The command tree of `rsm`: each file adds one group of subcommands to the app. Every
// command that acts on an environment takes ENV as its first positional argument.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "swarm/environment.h"
#include "swarm/service_logs.h"
#include "util/progress.h"

namespace rsm::cli {

// Commands set exit_code when they succeed with a code other than 0 (e.g. `nodes ssh`
// passes on the commands' own codes); failures are thrown as rsm::Error.
void add_nodes_commands(CLI::App& app, int& exit_code);
void add_env_commands(CLI::App& app, int& exit_code);
void add_images_commands(CLI::App& app, int& exit_code);
void add_build_commands(CLI::App& app, int& exit_code);
void add_db_commands(CLI::App& app, int& exit_code);
void add_app_commands(CLI::App& app, int& exit_code);
void add_tunnel_commands(CLI::App& app, int& exit_code);
void add_up_commands(CLI::App& app, int& exit_code);
void add_status_command(CLI::App& app, int& exit_code);
void add_secret_commands(CLI::App& app, int& exit_code);
void add_completion_commands(CLI::App& app, int& exit_code);

// What a command on one environment starts with: its progress lines (none when quiet)
// and the environment, whose name is checked here.
struct EnvCommand {
  EnvCommand(const std::string& env_name, bool quiet) : progress(quiet), env(env_name, progress) {}
  Progress progress;
  swarm::Environment env;
};

// The ENV positional argument, with the help every command gives it.
CLI::Option* add_env_argument(CLI::App* command, std::string& env);

// The flags of `app logs` and `db logs`: -f, --tail, --since, --timestamps, --grep. The
// returned function makes the query once the flags are parsed (UsageError for a bad one).
std::function<swarm::LogQuery()> add_log_flags(CLI::App* command);

// Writes to stdout and flushes: log lines, and what a command that runs until Ctrl-C says
// before it waits.
void write_now(std::string_view text);

// "WHAT at http://localhost:PORT/ (Ctrl-C to stop)", and the browser opened with `open`.
void announce_local_url(const std::string& what, int port, bool open);

// Says on stderr that an old order of positional arguments was taken, and the new one.
void warn_old_argument_order(const std::string& used, const std::string& now);

}  // namespace rsm::cli
