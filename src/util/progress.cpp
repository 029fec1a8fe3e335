// Lines under a mutex, with the seconds since the command began; bold and dim only on a
// terminal.
#include "util/progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace rsm {

Progress::Progress(bool quiet)
    : start_(std::chrono::steady_clock::now()), quiet_(quiet), terminal_(isatty(STDERR_FILENO) == 1) {}

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::step(std::string_view subject, std::string_view what) {
  if (quiet_) return;
  std::lock_guard lock(mutex_);
  if (terminal_)
    fmt::print(stderr, "\033[2m[{:5.1f}s]\033[0m \033[1m{}\033[0m: {}\n", elapsed_seconds(), subject, what);
  else
    fmt::print(stderr, "[{:5.1f}s] {}: {}\n", elapsed_seconds(), subject, what);
}

void Progress::warn(std::string_view what) {
  std::lock_guard lock(mutex_);
  fmt::print(stderr, "{}{}\n", terminal_ ? "\033[33mwarning:\033[0m " : "warning: ", what);
}

}  // namespace rsm
