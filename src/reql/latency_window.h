// The recent answer times of a pool, and their 99th percentile: what the pool's hedged
// reads wait for before asking a second server (pool.h). The last `capacity` answers
// count, so the percentile follows a cluster that slows down or recovers within a few
// hundred queries; it is worked out again every 16 answers, not at each one, so that
// recording stays a few nanoseconds under a lock nobody holds for long.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

namespace reql {

class LatencyWindow {
 public:
  explicit LatencyWindow(size_t capacity = 256) : samples_(capacity) {}

  void record(std::chrono::microseconds latency);
  // The 99th percentile of the answers recorded; zero until `enough` have been.
  std::chrono::microseconds p99() const { return std::chrono::microseconds(p99_us_.load()); }

  static constexpr size_t enough = 20;

 private:
  std::mutex mutex_;
  std::vector<int64_t> samples_;  // microseconds, a ring
  size_t recorded_ = 0;
  std::atomic<int64_t> p99_us_{0};
};

}  // namespace reql
