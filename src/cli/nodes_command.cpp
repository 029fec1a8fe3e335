// rsm nodes create|ls|stop|start|rm|ssh|env: the machines of an environment.
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/confirm.h"
#include "cli/table.h"
#include "drivers/digitalocean/digitalocean_driver.h"
#include "drivers/local/node_image.h"
#include "swarm/environment.h"
#include "swarm/promotion.h"
#include "up/node_removal.h"
#include "util/error.h"

namespace rsm::cli {

namespace {

struct Options {
  std::string env;
  std::string node;
  int managers = 0;
  int workers = 0;
  std::string driver = "local";
  std::vector<std::string> hosts;
  std::string ssh_key;
  std::string region;
  std::string size, image;
  std::string token_file;
  std::vector<std::string> advertise;
  bool mesh = false;
  bool forget_unreachable = false;
  bool json = false;
  bool force = false;
  bool quiet = false;
  std::vector<std::string> command;
  std::vector<std::string> nodes_to_promote;
  std::vector<std::string> nodes_to_remove;
};

void list_nodes(const Options& options) {
  EnvCommand command(options.env, true);
  // An environment without nodes is an error in both forms (status() says so): it is most
  // often a mistyped name, which an empty JSON list would hide from a script.
  auto rows = command.env.status();
  if (options.json) {
    auto out = nlohmann::json::array();
    for (const auto& row : rows) out.push_back(swarm::to_json(row));
    fmt::print("{}\n", out.dump(2));
    return;
  }
  // Cloud machines add what they are and what they cost.
  bool billed = std::any_of(rows.begin(), rows.end(), [](const auto& row) { return row.node.price_monthly > 0; });
  std::vector<std::vector<std::string>> cells;
  double total = 0;
  for (const auto& row : rows) {
    auto or_dash = [](const std::string& text) { return text.empty() ? std::string("-") : text; };
    cells.push_back({row.node.name, row.role(), row.node.state, row.swarm_state, row.status, row.availability,
                     row.manager_status, or_dash(row.node.public_address), row.node.driver, or_dash(row.node.region),
                     row.engine_version});
    if (billed) {
      cells.back().insert(cells.back().begin() + 8, or_dash(row.node.private_address));
      cells.back().insert(
          cells.back().end(),
          {or_dash(row.node.size), row.node.price_monthly > 0 ? fmt::format("${:.2f}", row.node.price_monthly) : "-"});
    }
    total += row.node.price_monthly;
  }
  std::vector<std::string> header{"NAME",    "ROLE",    "STATE",  "SWARM",  "STATUS", "AVAILABILITY",
                                  "MANAGER", "ADDRESS", "DRIVER", "REGION", "ENGINE"};
  if (billed) {
    header.insert(header.begin() + 8, "PRIVATE");
    header.insert(header.end(), {"SIZE", "MONTHLY"});
  }
  print_table(header, cells);
  if (billed) fmt::print("Droplets cost ${:.2f} a month together, also while powered off.\n", total);
}

// What create and start print with --json: the nodes as `nodes ls --json` has them.
void print_nodes_json(const std::string& env_name, swarm::Environment& env) {
  auto nodes = nlohmann::json::array();
  for (const auto& row : env.status()) nodes.push_back(swarm::to_json(row));
  fmt::print("{}\n", nlohmann::json{{"env", env_name}, {"nodes", nodes}}.dump(2));
}

void remove_some_nodes(const Options& options) {
  EnvCommand command(options.env, options.json);
  const auto& names = options.nodes_to_remove;
  confirm_removal(options.force,
                  fmt::format("Remove {} from {}? Their tasks and database replicas move to the other nodes first; "
                              "what else is stored on them goes.",
                              fmt::join(names, ", "), options.env),
                  fmt::format("not removing {} without confirmation: add -f", fmt::join(names, ", ")));
  auto removal = up::remove_nodes(command.env, names, options.forget_unreachable, command.progress);
  if (options.json) {
    fmt::print(
        "{}\n",
        nlohmann::json{{"env", options.env}, {"removed", removal.nodes}, {"db_servers", removal.db_servers}}.dump(2));
    return;
  }
  fmt::print("{}: removed {}{}\n", options.env, fmt::join(removal.nodes, ", "),
             removal.db_servers.empty() ? ""
                                        : fmt::format(" (and the database servers {}; the others hold their replicas)",
                                                      fmt::join(removal.db_servers, ", ")));
  engine::Client manager(command.env.reachable_manager().engine);
  if (auto advice = swarm::managers_advice(options.env, swarm::list_nodes(manager)); !advice.empty())
    command.progress.warn(advice);
}

void print_docker_env(const Options& options) {
  EnvCommand command(options.env, true);
  auto nodes = command.env.existing_nodes();
  const drivers::Node* chosen = &nodes.front();  // managers come first
  if (!options.node.empty()) {
    auto found = std::find_if(nodes.begin(), nodes.end(), [&](const auto& n) { return n.name == options.node; });
    if (found == nodes.end())
      throw UsageError(
          fmt::format("environment {} has no node {}; see `rsm nodes ls {}`", options.env, options.node, options.env));
    chosen = &*found;
  }
  fmt::print("export DOCKER_HOST={}\n", chosen->engine.to_string());
  if (chosen->engine.kind == engine::Endpoint::Kind::Ssh)
    fmt::print("# The docker CLI logs in with your own ssh setup (~/.ssh/config, known_hosts){}.\n",
               chosen->engine.sudo ? "; this login needs to be in the docker group there" : "");
  fmt::print("# Run this command to point the docker CLI at {}:\n# eval \"$(rsm nodes env {}{})\"\n", chosen->name,
             options.env, options.node.empty() ? "" : " " + options.node);
}

}  // namespace

void add_nodes_commands(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<Options>();
  auto* nodes = app.add_subcommand("nodes", "Create and manage the machines of an environment");
  nodes->require_subcommand(1);
  auto add_env = [&](CLI::App* command) {
    add_env_argument(command, options->env);
    command
        ->add_option("--token-file", options->token_file,
                     "digitalocean: a file holding the API token (default: $DIGITALOCEAN_ACCESS_TOKEN)")
        ->each([](const std::string& file) { drivers::DigitalOceanDriver::use_token_file(file); });
  };

  auto* create = nodes->add_subcommand("create", "Create machines and join them into the environment's swarm");
  add_env(create);
  create->add_option("-m,--managers", options->managers, "Managers to add")->check(CLI::NonNegativeNumber);
  create->add_option("-w,--workers", options->workers, "Workers to add")->check(CLI::NonNegativeNumber);
  create->add_option("-d,--driver", options->driver,
                     "Machine driver: local (containers on this engine), ssh (machines you have, named by --host), "
                     "digitalocean (droplets; token in $DIGITALOCEAN_ACCESS_TOKEN)");
  create->add_option("--host", options->hosts,
                     "ssh: a machine to adopt, [USER@]HOST[:PORT], as root or a user with passwordless sudo "
                     "(repeat; managers first)");
  create->add_option("--ssh-key", options->ssh_key, "ssh: the private key to log in with (default: your ssh setup)");
  create->add_option("--region", options->region,
                     "Where the new machines are: a name (shown, and tags db servers); digitalocean: the region slug "
                     "(default $DIGITALOCEAN_REGION), e.g. nyc3, fra1, sgp1");
  create->add_option("--size", options->size,
                     "digitalocean: the droplet size slug (default $DIGITALOCEAN_SIZE, else s-1vcpu-2gb)");
  create->add_option("--image", options->image,
                     "digitalocean: the system image slug (default $DIGITALOCEAN_IMAGE, else debian-12-x64)");
  create->add_option("--advertise", options->advertise,
                     "ssh: the address other members reach a host at (repeat, once per --host; default: the address "
                     "rsm reached it at)");
  create->add_flag(
      "--mesh", options->mesh,
      "local: put the nodes in the WireGuard mesh so that machines elsewhere (-d ssh) can join them later");
  create->add_flag("-q,--quiet", options->quiet, "No progress output");
  create->add_flag("--json", options->json, "Print the environment's nodes as JSON (as nodes ls --json) when done");
  create->callback([options] {
    EnvCommand command(options->env, options->quiet);
    command.env.create({.managers = options->managers,
                        .workers = options->workers,
                        .driver = options->driver,
                        .hosts = options->hosts,
                        .ssh_key = options->ssh_key,
                        .region = options->region,
                        .size = options->size,
                        .image = options->image,
                        .advertise = options->advertise,
                        .mesh = options->mesh});
    if (options->json) print_nodes_json(options->env, command.env);
  });

  auto* ls = nodes->add_subcommand("ls", "List the environment's machines and their swarm state");
  add_env(ls);
  ls->add_flag("--json", options->json, "Print JSON for scripts");
  ls->callback([options] { list_nodes(*options); });

  auto* stop = nodes->add_subcommand("stop", "Stop every machine of the environment (keeps all data)");
  add_env(stop);
  stop->callback([options] { EnvCommand(options->env, false).env.stop(); });

  auto* start = nodes->add_subcommand("start", "Start the environment's machines and wait for its swarm");
  add_env(start);
  start->add_flag("--json", options->json, "Print the environment's nodes as JSON (as nodes ls --json) when done");
  start->callback([options] {
    EnvCommand command(options->env, false);
    command.env.start();
    if (options->json) print_nodes_json(options->env, command.env);
  });

  auto* rm = nodes->add_subcommand(
      "rm",
      "Remove the named machines while the rest keeps running (their tasks and database replicas move to the others "
      "first), or every machine of the environment with its data");
  add_env(rm);
  rm->add_option("NODE", options->nodes_to_remove, "Nodes to remove (default: all of them, and the environment)");
  rm->add_flag("-f,--force", options->force, "Do not ask for confirmation");
  rm->add_flag("--forget-unreachable", options->forget_unreachable,
               "Drop machines that cannot be reached from rsm's records, leaving them as they are");
  rm->add_flag("--json", options->json, "With NODE: print what was removed as JSON");
  rm->callback([options] {
    if (!options->nodes_to_remove.empty()) {
      remove_some_nodes(*options);
      return;
    }
    EnvCommand command(options->env, false);
    auto& env = command.env;
    auto count = env.nodes().size();
    if (count == 0) {
      env.remove(options->forget_unreachable);  // also clears a network or volumes left by an interrupted create
      command.progress.step(options->env, "has no nodes; nothing to remove");
      return;
    }
    confirm_removal(options->force,
                    fmt::format("Remove environment {} and all {} of its nodes, with everything stored on them?",
                                options->env, count),
                    fmt::format("not removing environment {} without confirmation: add -f", options->env));
    env.remove(options->forget_unreachable);
  });

  auto* ssh = nodes->add_subcommand("ssh", "Run a command on every running machine: rsm nodes ssh ENV -- CMD...");
  add_env(ssh);
  ssh->add_option("COMMAND", options->command, "The command and its arguments (after --)")->required();
  ssh->callback(
      [options, &exit_code] { exit_code = EnvCommand(options->env, true).env.run_everywhere(options->command); });

  auto* promote = nodes->add_subcommand(
      "promote", "Make workers managers: the named ones, or enough to reach 3 managers (the HA minimum)");
  add_env(promote);
  promote->add_option("NODE", options->nodes_to_promote,
                      "Nodes to promote (default: the first workers, up to 3 managers)");
  promote->add_flag("--json", options->json, "Print the result as JSON");
  promote->callback([options] {
    EnvCommand command(options->env, false);
    auto promoted = swarm::promote(command.env, options->nodes_to_promote, command.progress);
    if (options->json)
      fmt::print("{}\n", nlohmann::json{{"env", options->env}, {"promoted", promoted}}.dump(2));
    else if (promoted.empty())
      fmt::print("{}: nothing to promote\n", options->env);
    else
      fmt::print("{}: promoted {}\n", options->env, fmt::join(promoted, ", "));
  });

  auto* image = nodes->add_subcommand("image", "Build the local driver's node image now (create does it when needed)");
  image->callback([] {
    Progress progress;
    engine::Client host(engine::Endpoint::from_environment());
    fmt::print("{}\n", drivers::ensure_node_image(host, progress));
  });

  auto* env = nodes->add_subcommand("env", "Print the DOCKER_HOST line for the docker CLI, like docker-machine env");
  add_env(env);
  env->add_option("NODE", options->node, "A node of the environment (default: its first manager)");
  env->callback([options] { print_docker_env(*options); });
}

}  // namespace rsm::cli
