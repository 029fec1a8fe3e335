// rsm tunnel ENV PORT: an app's port on this machine's localhost, through the relay.
#include <cstdio>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "app/apps.h"
#include "cli/commands.h"
#include "db/layout.h"
#include "tunnel/local_tunnel.h"
#include "tunnel/port_offsets.h"
#include "tunnel/relay.h"
#include "util/subprocess.h"

namespace rsm::cli {

namespace {

struct Options {
  std::string env;
  int port = 0;
  int local_port = 0;
  bool open = false;
};

// The app that publishes the port (rsm app deploy -p PORT).
std::string app_with_port(app::Apps& apps, const std::string& env, int port) {
  for (const auto& row : apps.list()) {
    std::istringstream ports(row.ports);
    for (std::string item; std::getline(ports, item, ',');)
      if (item == std::to_string(port)) return row.name;
  }
  throw UsageError(fmt::format("no app of {} publishes port {}; see `rsm app ls {}`", env, port, env));
}

}  // namespace

void add_tunnel_commands(CLI::App& cli, int&) {
  auto options = std::make_shared<Options>();
  auto* tunnel = cli.add_subcommand(
      "tunnel", "Reach an app's published port from this machine's localhost until Ctrl-C (nothing else is opened)");
  add_env_argument(tunnel, options->env);
  tunnel->add_option("PORT", options->port, "The port an app publishes (rsm app deploy -p PORT)")
      ->required()
      ->check(CLI::Range(1, 65535));
  tunnel
      ->add_option("-p,--local-port", options->local_port,
                   "Port on this machine (default: PORT + 100 x the environment's offset, e.g. 9190 for dev)")
      ->check(CLI::Range(1, 65535));
  tunnel->add_flag("--open", options->open, "Open it in the browser");
  tunnel->callback([options] {
    EnvCommand command(options->env, false);
    auto& env = command.env;
    app::Apps apps(env, command.progress);
    std::string name = app_with_port(apps, options->env, options->port);
    auto sockets =
        tunnel::ensure_relay(env, env.reachable_manager(), db::kNetwork, {{name, options->port}}, command.progress);
    int local = options->local_port ? options->local_port : tunnel::local_port(options->env, options->port);
    tunnel::serve_until_interrupted(sockets[0], local, [&](int port) {
      announce_local_url(fmt::format("{}: {}:{}", options->env, name, options->port), port, options->open);
    });
  });
}

}  // namespace rsm::cli
