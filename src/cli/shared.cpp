// Pieces every command group shares: the ENV argument, the flags of logs, the notice for
// an argument order that changed, and output that must reach the user at once.
#include <cstdio>
#include <ctime>
#include <memory>
#include <regex>

#include <fmt/format.h>

#include "cli/commands.h"
#include "util/error.h"
#include "util/subprocess.h"

namespace rsm::cli {

CLI::Option* add_env_argument(CLI::App* command, std::string& env) {
  return command->add_option("ENV", env, "Environment name (a-z, 0-9, '-'; e.g. dev, tst, prd)")->required();
}

std::function<swarm::LogQuery()> add_log_flags(CLI::App* command) {
  struct Flags {
    bool follow = false, timestamps = false;
    int tail = 100;
    std::string since, grep;
  };
  auto flags = std::make_shared<Flags>();
  command->add_flag("-f,--follow", flags->follow, "Keep printing new lines");
  command->add_option("--tail", flags->tail, "The newest N lines before following (default 100; 0: all)");
  command->add_option("--since", flags->since, "Only lines since a duration ago (10m, 2h) or a UTC time");
  command->add_flag("--timestamps", flags->timestamps, "Print each line's time");
  command->add_option("--grep", flags->grep, "Only lines whose message matches this regular expression");
  return [flags] {
    if (flags->tail < 0) throw UsageError("--tail takes a number of lines, 0 for all");
    swarm::LogQuery query{.follow = flags->follow, .tail = flags->tail, .timestamps = flags->timestamps};
    if (!flags->since.empty()) query.since = swarm::parse_since(flags->since, static_cast<double>(std::time(nullptr)));
    if (!flags->grep.empty()) {
      try {
        query.grep.emplace(flags->grep);
      } catch (const std::regex_error& e) {
        throw UsageError(fmt::format("--grep '{}' is not a regular expression: {}", flags->grep, e.what()));
      }
    }
    return query;
  };
}

void write_now(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void announce_local_url(const std::string& what, int port, bool open) {
  std::string url = fmt::format("http://localhost:{}/", port);
  write_now(fmt::format("{} at {} (Ctrl-C to stop)\n", what, url));
  if (open && program_exists("xdg-open")) run_process({"xdg-open", url});
}

void warn_old_argument_order(const std::string& used, const std::string& now) {
  Progress(false).warn(
      fmt::format("`{}` is the old order of arguments and goes in the next release: write `{}`", used, now));
}

}  // namespace rsm::cli
