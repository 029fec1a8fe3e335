// rsm app deploy|ls|ps|logs|exec|scale|rollback|rm: stateless apps of an environment.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "app/apps.h"
#include "cli/commands.h"
#include "cli/table.h"
#include "util/duration.h"

namespace rsm::cli {

namespace {

struct Options {
  std::string env;
  std::string name;
  std::string image;
  std::optional<int> replicas;
  int scale_to = 0;
  std::vector<int> ports;
  std::vector<std::string> variables;  // -e KEY=VALUE: the process's environment variables
  std::vector<std::string> secrets;
  std::string health_command;
  std::string timeout;
  std::vector<std::string> hosts;
  std::string path;
  int http_port = 0;
  std::string health_path = app::kDefaultHealthPath;
  std::string health_interval;
  std::string tls;
  std::string tls_certificate;
  std::string tls_key;
  proxy::AcmeSettings acme;
  bool no_redirect = false;
  bool hsts = false;
  bool json = false;
  bool quiet = false;
  std::string node;                  // exec: the machine whose task runs the command
  std::vector<std::string> command;  // exec: the command and its arguments
  bool no_tty = false;
};

// "CMD ARG..." split on spaces: the health command runs without a shell.
std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  size_t at = 0;
  while ((at = text.find_first_not_of(' ', at)) != std::string::npos) {
    size_t end = text.find(' ', at);
    out.push_back(text.substr(at, end - at));
    at = end;
  }
  return out;
}

// `app deploy NAME IMAGE ENV` was the order before ENV came first everywhere. It is taken
// when the arguments say so: an image reference in NAME's place (NAME, a DNS label, has
// no ':', '/', '.' or '@'), or an environment that exists only under the last argument.
void take_old_deploy_order(std::string& env, std::string& name, std::string& image) {
  auto looks_like_image = [](const std::string& text) { return text.find_first_of(":/.@") != std::string::npos; };
  // In the old order these are NAME, IMAGE and ENV.
  bool old = looks_like_image(name) && !looks_like_image(image);
  if (!old && !looks_like_image(image)) {
    auto envs = swarm::Environment::all();
    auto exists = [&](const std::string& candidate) {
      return std::find(envs.begin(), envs.end(), candidate) != envs.end();
    };
    old = !exists(env) && exists(image);
  }
  if (!old) return;
  warn_old_argument_order(fmt::format("rsm app deploy {} {} {}", env, name, image),
                          fmt::format("rsm app deploy {} {} {}", image, env, name));
  std::tie(env, name, image) = std::tuple(image, env, name);
}

// "https://a.example/ (certificate until 2027-03-01)"
std::string route_cell(const app::AppRow& row) {
  if (row.routes.empty()) return "-";
  std::string cell = fmt::format("{}", fmt::join(row.routes, " "));
  if (!row.certificate_expires.empty())
    cell += fmt::format(" (certificate until {})", row.certificate_expires.substr(0, 10));
  return cell;
}

void list_apps(const Options& options) {
  EnvCommand command(options.env, true);
  auto rows = app::Apps(command.env, command.progress).list();
  if (options.json) {
    auto out = nlohmann::json::array();
    for (const auto& row : rows) out.push_back(app::to_json(row));
    fmt::print("{}\n", out.dump(2));
    return;
  }
  std::vector<std::vector<std::string>> cells;
  bool routes = std::any_of(rows.begin(), rows.end(), [](const app::AppRow& row) { return !row.routes.empty(); });
  for (const auto& row : rows) {
    cells.push_back({row.name, fmt::format("{}/{}", row.running, row.replicas), row.image, row.ports, row.update});
    if (routes) cells.back().insert(cells.back().begin() + 4, route_cell(row));
  }
  std::vector<std::string> header{"NAME", "RUNNING", "IMAGE", "PORTS", "LAST UPDATE"};
  if (routes) header.insert(header.begin() + 4, "ROUTES");
  print_table(header, cells);
}

void list_tasks(const Options& options) {
  EnvCommand command(options.env, true);
  auto rows = app::Apps(command.env, command.progress).tasks(options.name);
  if (options.json) {
    auto out = nlohmann::json::array();
    for (const auto& row : rows)
      out.push_back({{"id", row.id},
                     {"node", row.node},
                     {"state", row.state},
                     {"desired", row.desired},
                     {"image", row.image},
                     {"error", row.error}});
    fmt::print("{}\n", out.dump(2));
    return;
  }
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : rows) cells.push_back({row.id, row.node, row.state, row.desired, row.image, row.error});
  print_table({"TASK", "NODE", "STATE", "DESIRED", "IMAGE", "ERROR"}, cells);
}

}  // namespace

void add_app_commands(CLI::App& cli, int& exit_code) {
  auto options = std::make_shared<Options>();
  auto* app = cli.add_subcommand("app", "Stateless apps on the swarm, next to the database");
  app->require_subcommand(1);
  auto add_env = [&](CLI::App* command) { add_env_argument(command, options->env); };
  auto add_name = [&](CLI::App* command) { command->add_option("NAME", options->name, "App name")->required(); };

  auto* deploy = app->add_subcommand(
      "deploy", "Create the app, or update it: new tasks first, rolled back by itself when they fail");
  add_env(deploy);
  deploy->add_option("NAME", options->name, "App name (its name on the network too)")->required();
  deploy->add_option("IMAGE", options->image, "Image; copied to the nodes when they lack it")->required();
  deploy->add_option("-r,--replicas", options->replicas, "Tasks to run (default: as now, 2 for a new app)")
      ->check(CLI::NonNegativeNumber);
  deploy->add_option("-p,--port", options->ports, "A port the app listens on, for the edge proxy (repeatable)")
      ->check(CLI::Range(1, 65535));
  deploy->add_option("-e,--env", options->variables, "KEY=VALUE for the app's environment (repeatable)");
  deploy->add_option("--secret", options->secrets,
                     "A swarm secret to mount at /run/secrets/NAME (repeatable); rsm-db-password also sets "
                     "RETHINKDB_PASSWORD_FILE");
  deploy->add_option("--health-cmd", options->health_command,
                     "Health check run in the container, e.g. \"/app healthcheck\" (default: the image's own)");
  deploy->add_option("--timeout", options->timeout,
                     "How long the edge proxy waits for an answer, e.g. 2s (default: 30s); then a GET, HEAD or "
                     "OPTIONS request goes to another task, others get 504");
  deploy->add_option("--host", options->hosts,
                     "A host name whose HTTP requests reach the app through port 80 of every node (repeatable)");
  deploy->add_option("--path", options->path, "With --host: only requests for this path and under it, e.g. /api");
  deploy
      ->add_option("--http-port", options->http_port,
                   "The port the app answers its hosts' requests on (default: its first -p, else 80)")
      ->check(CLI::Range(1, 65535));
  deploy->add_option("--health-path", options->health_path,
                     "What the edge proxy asks a task for to know it answers (default: /healthz; 200 is well)");
  deploy->add_option("--health-interval", options->health_interval, "How often it asks, e.g. 5s (default: 1s)");
  deploy->add_option("--tls", options->tls,
                     "With --host: auto (the default: a certificate from Let's Encrypt, or --acme-directory, renewed "
                     "by rsm-acme), or off (plain HTTP only)");
  deploy->add_option("--tls-cert", options->tls_certificate,
                     "With --host: your own PEM certificate (and its chain) for the hosts, instead of auto");
  deploy->add_option("--tls-key", options->tls_key, "The certificate's private key (PEM, unencrypted)");
  deploy->add_flag("--no-redirect", options->no_redirect, "Answer plain HTTP too, instead of a redirect to HTTPS");
  deploy->add_flag("--hsts", options->hsts,
                   "Tell browsers to use only HTTPS for the hosts (Strict-Transport-Security)");
  deploy->add_option("--acme-directory", options->acme.directory,
                     "The ACME server's directory URL for the environment (default: Let's Encrypt's)");
  deploy->add_option("--acme-email", options->acme.email, "The contact of the environment's ACME account");
  deploy->add_option("--acme-ca", options->acme.ca_file, "The root (PEM) of a private ACME server's HTTPS");
  deploy->add_flag("-q,--quiet", options->quiet, "No progress output");
  deploy->add_flag("--json", options->json, "Print the result as JSON (progress still goes to stderr)");
  deploy->callback([options] {
    take_old_deploy_order(options->env, options->name, options->image);
    EnvCommand command(options->env, options->quiet);
    app::DeployRequest request{.name = options->name,
                               .image = options->image,
                               .ports = options->ports,
                               .variables = options->variables,
                               .secrets = options->secrets,
                               .health_command = words(options->health_command),
                               .hosts = options->hosts,
                               .path = options->path,
                               .http_port = options->http_port,
                               .health_path = options->health_path,
                               .tls = options->tls,
                               .tls_certificate = options->tls_certificate,
                               .tls_key = options->tls_key,
                               .redirect = !options->no_redirect,
                               .hsts = options->hsts,
                               .acme = options->acme};
    if (!options->timeout.empty()) request.timeout = parse_duration(options->timeout, "--timeout");
    if (!options->health_interval.empty())
      request.health_interval = parse_duration(options->health_interval, "--health-interval");
    app::Apps apps(command.env, command.progress);
    auto outcome = apps.deploy(request, options->replicas);
    const char* said = outcome == app::DeployOutcome::Created   ? "created"
                       : outcome == app::DeployOutcome::Updated ? "updated"
                                                                : "unchanged";
    std::vector<std::string> urls, routes;
    std::string certificate_expires;
    for (const auto& row : apps.list())
      if (row.name == options->name)
        urls = row.urls, routes = row.routes, certificate_expires = row.certificate_expires;
    if (options->json) {
      fmt::print("{}\n", nlohmann::json{{"env", options->env},
                                        {"name", options->name},
                                        {"image", options->image},
                                        {"outcome", said},
                                        {"urls", urls},
                                        {"routes", routes},
                                        {"certificate_expires", certificate_expires.empty()
                                                                    ? nlohmann::json(nullptr)
                                                                    : nlohmann::json(certificate_expires)}}
                             .dump(2));
      return;
    }
    fmt::print("{}: {} {} ({}); it answers as {} on network dbnet\n", options->env, options->name, said, options->image,
               options->name);
    for (const auto& url : urls) fmt::print("  {}\n", url);
    for (const auto& route : routes)
      fmt::print("  {} (port {} of every node, once DNS leads the name there)\n", route,
                 route.rfind("https:", 0) == 0 ? "443" : "80");
    if (!certificate_expires.empty()) fmt::print("  its certificate expires {}\n", certificate_expires);
  });

  auto* ls = app->add_subcommand("ls", "The environment's apps: tasks running, image, ports, last update");
  add_env(ls);
  ls->add_flag("--json", options->json, "Print JSON for scripts");
  ls->callback([options] { list_apps(*options); });

  auto* ps = app->add_subcommand("ps", "An app's tasks: node, state, image, error");
  add_env(ps);
  add_name(ps);
  ps->add_flag("--json", options->json, "Print JSON for scripts");
  ps->callback([options] { list_tasks(*options); });

  auto* logs = app->add_subcommand("logs", "An app's logs (all its tasks)");
  add_env(logs);
  add_name(logs);
  auto log_query = add_log_flags(logs);
  logs->callback([options, log_query] {
    EnvCommand command(options->env, true);
    app::Apps(command.env, command.progress).logs(options->name, log_query(), write_now);
  });

  auto* exec = app->add_subcommand(
      "exec", "Run a command in one of the app's running tasks, attached: rsm app exec ENV NAME -- CMD...");
  add_env(exec);
  add_name(exec);
  exec->add_option("--node", options->node, "Run it in the task on this machine (default: the first task's)");
  exec->add_flag("-T,--no-tty", options->no_tty,
                 "Give the command no terminal even when rsm has one (default: a terminal when stdin and stdout are)");
  exec->add_option("COMMAND", options->command, "The command and its arguments (after --)")->required();
  exec->callback([options, &exit_code] {
    EnvCommand command(options->env, true);
    bool tty = !options->no_tty && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    exit_code = app::Apps(command.env, command.progress).exec(options->name, options->node, options->command, tty);
  });

  auto* scale = app->add_subcommand("scale", "Run N tasks of the app");
  add_env(scale);
  add_name(scale);
  scale->add_option("N", options->scale_to, "Tasks to run")->required()->check(CLI::NonNegativeNumber);
  scale->callback([options] {
    EnvCommand command(options->env, false);
    app::Apps(command.env, command.progress).scale(options->name, options->scale_to);
    fmt::print("{}: {} runs {} task(s)\n", options->env, options->name, options->scale_to);
  });

  auto* rollback = app->add_subcommand("rollback", "Go back to the app's spec before its last update");
  add_env(rollback);
  add_name(rollback);
  rollback->callback([options] {
    EnvCommand command(options->env, false);
    app::Apps(command.env, command.progress).rollback(options->name);
    fmt::print("{}: {} rolled back\n", options->env, options->name);
  });

  auto* rm = app->add_subcommand("rm", "Remove the app (it stores nothing)");
  add_env(rm);
  add_name(rm);
  rm->callback([options] {
    EnvCommand command(options->env, false);
    app::Apps(command.env, command.progress).remove(options->name);
  });
}

}  // namespace rsm::cli
