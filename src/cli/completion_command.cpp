// rsm completion bash|zsh|fish: a script for the shell whose completion function asks
// `rsm __complete WORD...` (the words so far, the last one being completed) for the
// candidates. One program answers for every shell: commands and flags from the command
// tree itself, and environment, app, server, node and secret names asked of the engines
// within a short time limit, so that a slow or absent engine never hangs the shell.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "app/apps.h"
#include "app/user_secrets.h"
#include "cli/commands.h"
#include "db/cluster.h"
#include "util/error.h"

namespace rsm::cli {

namespace {

constexpr auto kNameTimeLimit = std::chrono::milliseconds(1500);

constexpr const char* kBashScript = R"(# rsm completion for bash: source <(rsm completion bash)
_rsm() {
  local IFS=$'\n'
  COMPREPLY=($(rsm __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _rsm rsm
)";

constexpr const char* kZshScript = R"(#compdef rsm
# rsm completion for zsh: source <(rsm completion zsh) after compinit
_rsm() {
  local -a candidates
  candidates=("${(@f)$(rsm __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -a candidates
}
compdef _rsm rsm
)";

constexpr const char* kFishScript = R"(# rsm completion for fish: rsm completion fish | source
function __rsm_complete
  set -l words (commandline -opc) (commandline -ct)
  rsm __complete $words[2..-1] 2>/dev/null
end
complete -c rsm -f -a '(__rsm_complete)'
)";

// Names asked of the engines for a positional argument; none when they do not answer in
// time (the worker is left to finish on its own: the process ends right after).
std::vector<std::string> names_in_time(std::function<std::vector<std::string>()> ask) {
  auto promise = std::make_shared<std::promise<std::vector<std::string>>>();
  auto future = promise->get_future();
  std::thread([promise, ask = std::move(ask)] {
    try {
      promise->set_value(ask());
    } catch (...) {
      promise->set_value({});
    }
  }).detach();
  if (future.wait_for(kNameTimeLimit) != std::future_status::ready) return {};
  return future.get();
}

// Candidates for the positional argument `name` of `command` (its ancestors say whose).
std::vector<std::string> positional_candidates(const CLI::App* command, const std::string& name,
                                               const std::string& env) {
  std::string group = command->get_parent() ? command->get_parent()->get_name() : "";
  if (name == "ENV") return names_in_time([] { return swarm::Environment::all(); });
  if (env.empty()) return {};
  return names_in_time([group, name, env] {
    Progress quiet(true);
    swarm::Environment environment(env, quiet);
    std::vector<std::string> out;
    if (group == "app" && name == "NAME") return app::Apps(environment, quiet).names();
    if (group == "secret" && name == "NAME")
      for (const auto& secret : app::UserSecrets(environment, quiet).list()) out.push_back(secret.name);
    if (name == "SERVER")
      for (const auto& service : db::Cluster(environment, quiet).services()) out.push_back(service.name);
    if (name == "NODE")
      for (const auto& node : environment.nodes()) out.push_back(node.name);
    return out;
  });
}

std::vector<std::string> complete(const CLI::App& root, const std::vector<std::string>& words) {
  const CLI::App* command = &root;
  std::string current = words.empty() ? "" : words.back();
  std::vector<std::string> positionals;  // given so far to `command`
  bool after_dashes = false;
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "--") {
      after_dashes = true;
      continue;
    }
    if (!after_dashes && word.starts_with("-")) {
      // A flag that takes a value takes the next word too (unless written --flag=value).
      auto name = word.substr(0, word.find('='));
      for (const auto* option : command->get_options())
        if (!option->get_positional() && option->check_name(name) && option->get_type_size() > 0 &&
            word.find('=') == std::string::npos)
          ++i;
      continue;
    }
    if (positionals.empty() && !after_dashes) {
      auto found = command->get_subcommands([&](const CLI::App* sub) { return sub->check_name(word); });
      if (!found.empty()) {
        command = found.front();
        continue;
      }
    }
    positionals.push_back(word);
  }

  std::vector<std::string> candidates;
  if (current.starts_with("-") && !after_dashes) {
    for (const auto* option : command->get_options())
      if (!option->get_positional())
        for (const auto& name : option->get_lnames()) candidates.push_back("--" + name);
  } else if (positionals.empty() && !command->get_subcommands({}).empty()) {
    for (const auto* sub : command->get_subcommands([](const CLI::App* sub) { return !sub->get_group().empty(); }))
      candidates.push_back(sub->get_name());
  } else {
    size_t index = 0;
    for (const auto* option : command->get_options()) {
      if (!option->get_positional()) continue;
      if (index++ == positionals.size()) {
        std::string env = positionals.empty() ? "" : positionals.front();
        candidates = positional_candidates(command, option->get_name(), env);
        break;
      }
    }
  }
  std::vector<std::string> matching;
  for (auto& candidate : candidates)
    if (candidate.starts_with(current)) matching.push_back(std::move(candidate));
  return matching;
}

}  // namespace

void add_completion_commands(CLI::App& cli, int&) {
  auto shell = std::make_shared<std::string>();
  auto* completion =
      cli.add_subcommand("completion", "Print the shell completion script: source <(rsm completion bash)");
  completion->add_option("SHELL", *shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  completion->callback([shell] {
    fmt::print("{}", *shell == "bash" ? kBashScript : *shell == "zsh" ? kZshScript : kFishScript);
  });

  // What the scripts call: hidden, and every word after it is a word of the command line.
  auto* candidates = cli.add_subcommand("__complete", "");
  candidates->group("");
  candidates->set_help_flag("");
  candidates->prefix_command();
  candidates->callback([&cli, candidates] {
    for (const auto& candidate : complete(cli, candidates->remaining())) fmt::print("{}\n", candidate);
    // A lookup past its time limit may still run: end here, not in static destructors it uses.
    std::fflush(stdout);
    std::_Exit(0);
  });
}

}  // namespace rsm::cli
