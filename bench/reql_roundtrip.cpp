// reql_roundtrip HOST PORT IN_FLIGHT SECONDS: r.expr("Hello from Rethink") on one
// connection with IN_FLIGHT queries outstanding at all times (async_run); prints queries/s
// latency percentiles and the client's CPU time per query (every thread of the process)
// as one JSON line.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "reql/connection.h"

using Clock = std::chrono::steady_clock;
using reql::r;

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: reql_roundtrip HOST PORT IN_FLIGHT SECONDS\n");
    return 2;
  }
  auto conn = reql::Connection::connect({.host = argv[1], .port = std::atoi(argv[2])});
  int in_flight = std::atoi(argv[3]);
  auto until = Clock::now() + std::chrono::seconds(std::atoi(argv[4]));

  std::mutex mutex;
  std::condition_variable finished;
  std::vector<double> latencies_us;
  int running = in_flight;
  long failures = 0;
  std::function<void()> start_one = [&] {
    auto sent = Clock::now();
    conn->async_run(r.expr("Hello from Rethink"), {}, [&, sent](std::exception_ptr error, reql::Cursor) {
      auto now = Clock::now();
      bool again;
      {
        std::lock_guard lock(mutex);
        latencies_us.push_back(std::chrono::duration<double, std::micro>(now - sent).count());
        failures += error != nullptr;
        again = now < until;
        if (!again && --running == 0) finished.notify_one();
      }
      if (again) start_one();
    });
  };
  auto cpu_seconds = [] {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](timeval t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
  };
  double cpu_before = cpu_seconds();
  auto started = Clock::now();
  for (int i = 0; i < in_flight; ++i) start_one();
  std::unique_lock lock(mutex);
  finished.wait(lock, [&] { return running == 0; });
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  double cpu_us_per_query = (cpu_seconds() - cpu_before) * 1e6 / static_cast<double>(latencies_us.size());
  std::sort(latencies_us.begin(), latencies_us.end());
  auto percentile = [&](double p) { return latencies_us[static_cast<size_t>(p * (latencies_us.size() - 1))]; };
  std::printf(
      "{\"driver\":\"reql (C++)\",\"in_flight\":%d,\"queries\":%zu,\"failures\":%ld,\"qps\":%.0f,"
      "\"p50_us\":%.0f,\"p99_us\":%.0f,\"cpu_us_per_query\":%.1f}\n",
      in_flight, latencies_us.size(), failures, latencies_us.size() / seconds, percentile(0.5), percentile(0.99),
      cpu_us_per_query);
  return failures ? 1 : 0;
}
