// Pieces every command group shares: the ENV argument, the notice for an argument order
// that changed, and output that must reach the user at once.
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "util/subprocess.h"

namespace rsm::cli {

CLI::Option* add_env_argument(CLI::App* command, std::string& env) {
  return command->add_option("ENV", env, "Environment name (a-z, 0-9, '-'; e.g. dev, tst, prd)")->required();
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
