// rsm: a highly available RethinkDB cluster and its apps on a Docker swarm.
#include <cstdio>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "util/error.h"

int main(int argc, char** argv) {
  CLI::App app{"rsm: a highly available RethinkDB cluster and stateless apps on a Docker swarm"};
  app.name("rsm");
  app.set_version_flag("--version", std::string(RSM_VERSION));
  app.require_subcommand(1);
  int exit_code = 0;
  rsm::cli::add_nodes_commands(app, exit_code);
  rsm::cli::add_env_commands(app, exit_code);
  rsm::cli::add_images_commands(app, exit_code);
  rsm::cli::add_build_commands(app, exit_code);
  rsm::cli::add_db_commands(app, exit_code);
  rsm::cli::add_app_commands(app, exit_code);
  rsm::cli::add_tunnel_commands(app, exit_code);
  rsm::cli::add_up_commands(app, exit_code);
  rsm::cli::add_status_command(app, exit_code);
  rsm::cli::add_secret_commands(app, exit_code);
  rsm::cli::add_completion_commands(app, exit_code);

  try {
    app.parse(argc, argv);
    return exit_code;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "rsm: error: {} (see rsm --help)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "rsm: error: {}\n", e.what());
    return rsm::exit_code_of(e);
  }
}
