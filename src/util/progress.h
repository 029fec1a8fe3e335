// Progress lines for long steps: which node, which step, how long since the command
// began. Written to stderr so that stdout stays clean for --json and other data; safe to
// call from the threads that work on several nodes at once.
#pragma once

#include <chrono>
#include <mutex>
#include <string_view>

namespace rsm {

class Progress {
 public:
  // quiet: print nothing but warnings. A terminal gets bold subjects; anything else gets
  // the same text without escape codes.
  explicit Progress(bool quiet = false);

  // "[  1.2s] t1-manager-1: starting engine"
  void step(std::string_view subject, std::string_view what);
  void warn(std::string_view what);
  double elapsed_seconds() const;

 private:
  std::chrono::steady_clock::time_point start_;
  bool quiet_;
  bool terminal_;
  std::mutex mutex_;
};

}  // namespace rsm
