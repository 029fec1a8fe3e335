// rsm secret set|ls|rm: the user's secrets for apps (app/user_secrets.h). A value comes
// from a file, an environment variable or stdin (a terminal is asked without echo); it is
// never printed, nor any part of it.
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "app/user_secrets.h"
#include "cli/commands.h"
#include "cli/confirm.h"
#include "cli/table.h"
#include "util/error.h"

namespace rsm::cli {

namespace {

struct Options {
  std::string env;
  std::string name;
  std::string from_file;
  std::string from_env;
  bool json = false;
  bool force = false;
};

// A line typed on the terminal, not shown.
std::string ask_hidden(const std::string& prompt) {
  fmt::print(stderr, "{}", prompt);
  termios saved{};
  tcgetattr(STDIN_FILENO, &saved);
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::string line;
  std::getline(std::cin, line);
  tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  fmt::print(stderr, "\n");
  return line;
}

std::string read_value(const Options& options) {
  if (!options.from_file.empty() && !options.from_env.empty())
    throw UsageError("give the value one way: --from-file or --from-env (or stdin)");
  if (!options.from_file.empty()) {
    std::ifstream file(options.from_file, std::ios::binary);
    if (!file) throw UsageError(fmt::format("cannot read {}: check the path and its permissions", options.from_file));
    return {std::istreambuf_iterator<char>(file), {}};
  }
  if (!options.from_env.empty()) {
    const char* value = std::getenv(options.from_env.c_str());
    if (!value) throw UsageError(fmt::format("the environment variable {} is not set", options.from_env));
    return value;
  }
  if (isatty(STDIN_FILENO) == 1) return ask_hidden(fmt::format("value of {} (not shown): ", options.name));
  std::string value{std::istreambuf_iterator<char>(std::cin), {}};
  // `echo VALUE | rsm secret set` ends it with a newline that is no part of it.
  if (value.ends_with('\n')) value.pop_back();
  return value;
}

}  // namespace

void add_secret_commands(CLI::App& cli, int&) {
  auto options = std::make_shared<Options>();
  auto* secret = cli.add_subcommand("secret", "Secrets for apps, mounted at /run/secrets/NAME; values never printed");
  secret->require_subcommand(1);
  auto add_env = [&](CLI::App* command) { add_env_argument(command, options->env); };
  auto add_name = [&](CLI::App* command) { command->add_option("NAME", options->name, "Secret name")->required(); };

  auto* set = secret->add_subcommand(
      "set", "Store a value (from stdin unless --from-file/--from-env); apps that mount it roll out the new value");
  add_env(set);
  add_name(set);
  set->add_option("--from-file", options->from_file, "Read the value from this file (as it is)");
  set->add_option("--from-env", options->from_env, "Read the value from this environment variable");
  set->add_flag("--json", options->json, "Print the result as JSON");
  set->callback([options] {
    std::string value = read_value(*options);
    EnvCommand command(options->env, options->json);
    auto change = app::UserSecrets(command.env, command.progress).set(options->name, value);
    if (options->json) {
      fmt::print("{}\n", nlohmann::json{{"env", options->env},
                                        {"name", options->name},
                                        {"changed", change.changed},
                                        {"redeployed", change.redeployed}}
                             .dump(2));
      return;
    }
    if (!change.changed)
      fmt::print("{}: secret {} already has this value; nothing changed\n", options->env, options->name);
    else
      fmt::print("{}: secret {} stored{}\n", options->env, options->name,
                 change.redeployed.empty()
                     ? ""
                     : fmt::format("; apps {} run with the new value", fmt::join(change.redeployed, ", ")));
  });

  auto* ls = secret->add_subcommand("ls", "The secrets (never their values) and the apps that mount them");
  add_env(ls);
  ls->add_flag("--json", options->json, "Print JSON for scripts");
  ls->callback([options] {
    EnvCommand command(options->env, true);
    auto secrets = app::UserSecrets(command.env, command.progress).list();
    if (options->json) {
      auto out = nlohmann::json::array();
      for (const auto& s : secrets)
        out.push_back({{"name", s.name}, {"created_at", s.created_at}, {"used_by", s.used_by}});
      fmt::print("{}\n", out.dump(2));
      return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& s : secrets)
      rows.push_back({s.name, s.created_at.substr(0, 19), fmt::format("{}", fmt::join(s.used_by, ","))});
    print_table({"NAME", "SET AT (UTC)", "USED BY"}, rows);
  });

  auto* rm = secret->add_subcommand("rm", "Remove a secret no app mounts (asks first: its value is gone for good)");
  add_env(rm);
  add_name(rm);
  rm->add_flag("-f,--force", options->force, "Do not ask for confirmation");
  rm->callback([options] {
    confirm_removal(options->force,
                    fmt::format("Remove secret {} of {}? Its value is gone for good.", options->name, options->env),
                    fmt::format("not removing secret {} without confirmation: add -f", options->name));
    EnvCommand command(options->env, false);
    app::UserSecrets(command.env, command.progress).remove(options->name);
    fmt::print("{}: secret {} removed\n", options->env, options->name);
  });
}

}  // namespace rsm::cli
