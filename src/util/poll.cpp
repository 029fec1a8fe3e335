// The one wait loop: look, and sleep until the next look unless the deadline passed.
#include "util/poll.h"

#include <thread>

#include <fmt/format.h>

#include "util/error.h"

namespace rsm {

bool poll_for(milliseconds timeout, milliseconds interval, const std::function<bool()>& check) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (check()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

void poll_until(milliseconds timeout, milliseconds interval, const std::function<std::string()>& what_failed,
                const std::function<bool()>& check) {
  if (!poll_for(timeout, interval, check))
    throw Error(
        fmt::format("timed out after {} s: {}", std::chrono::duration_cast<seconds>(timeout).count(), what_failed()));
}

}  // namespace rsm
