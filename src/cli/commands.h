// The command tree of `rsm`: each file adds one group of subcommands to the app.
#pragma once

#include <CLI/CLI.hpp>

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

}  // namespace rsm::cli
