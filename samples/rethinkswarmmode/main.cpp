// rethinkswarmmode: the sample app of rethink-swarm, a web server on the reql driver.
// GET /bar answers "Hello, "/bar" 0.1" and a line from RethinkDB. It never exits because
// the database is away, and on SIGTERM it finishes the requests in flight first.
// `rethinkswarmmode healthcheck` is its container health check (see healthcheck.h).
#include <sched.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "config.h"
#include "healthcheck.h"
#include "http_server.h"
#include "reql/pool.h"
#include "routes.h"

namespace {

// How long a drain may take: the requests in flight get this long to be answered.
constexpr std::chrono::seconds kGrace(25);

// One serving thread: its own io_context, database pool and HTTP server, all workers on
// the same port. A request never crosses a thread (two hops per request were the largest
// single cost in the app's profile), and workers share nothing, so they take no locks
// against each other.
class Worker {
 public:
  Worker(const AppConfig& config, bool shared_port) {
    reql::PoolOptions database;
    database.seeds = config.database;
    database.connection.user = config.user;
    database.connection.password = config.password;
    database.connection.connect_timeout = std::chrono::milliseconds(2000);
    database.connection.read_timeout = std::chrono::milliseconds(5000);
    database.connection.io_context = &io;
    database.hedge.enabled = config.hedged_reads;
    pool = std::make_unique<reql::Pool>(database);
    server =
        std::make_unique<HttpServer>(io, config.port, shared_port, std::chrono::seconds(config.idle_timeout_seconds),
                                     [this](const std::string& method, const std::string& target, Respond respond) {
                                       route(method, target, *pool, server->draining(), std::move(respond));
                                     });
  }

  // Serves until the server is stopped and drained. The pool ends first, so that answers
  // it still owes fail while the io_context is there.
  void serve() {
    try {
      server->run(kGrace);
      pool.reset();
    } catch (const std::exception& e) {
      // A worker gone would leave the others serving a share of the port: end them all.
      std::fprintf(stderr, "rethinkswarmmode: %s\n", e.what());
      std::_Exit(1);
    }
  }

  boost::asio::io_context io{1};
  std::unique_ptr<HttpServer> server;  // ended after the pool: its handler uses the pool
  std::unique_ptr<reql::Pool> pool;
};

// The CPUs this process may run on (taskset, a container's cpuset), not all the machine's.
int cpus_we_may_use() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "healthcheck") == 0) {
    try {
      const char* path = std::getenv("RSM_HEALTH_PATH");
      return check_health(AppConfig::from_environment().port, path && *path ? path : "/healthz");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "rethinkswarmmode: %s\n", e.what());
      return 1;
    }
  }
  if (argc != 1) {
    std::fprintf(stderr, "usage: rethinkswarmmode [healthcheck]\n");
    return 2;
  }

  // SIGTERM and SIGINT are taken by a thread of ours (sigwait), in every thread blocked.
  // A no-op handler too: as PID 1 in a container a signal left at its default is dropped.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  struct sigaction noop {};
  noop.sa_handler = [](int) {};
  sigaction(SIGTERM, &noop, nullptr);
  sigaction(SIGINT, &noop, nullptr);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  try {
    AppConfig config = AppConfig::from_environment();
    int count = config.workers > 0 ? config.workers : cpus_we_may_use();
    std::vector<std::unique_ptr<Worker>> workers;
    for (int i = 0; i < count; ++i) workers.push_back(std::make_unique<Worker>(config, count > 1));
    std::fprintf(stderr, "rethinkswarmmode: listening on :%d (%d worker%s), database %s\n", config.port, count,
                 count == 1 ? "" : "s", config.database.front().c_str());
    // Workers end only once stopped, and only the signal thread stops them: it is joined
    // with them, so that it is done with the workers before they go.
    std::vector<std::thread> threads;
    try {
      threads.emplace_back([&] {
        int signal = 0;
        sigwait(&stop_signals, &signal);
        std::fprintf(stderr, "rethinkswarmmode: signal %d: finishing requests in flight\n", signal);
        for (auto& worker : workers) worker->server->stop();
      });
      for (size_t i = 1; i < workers.size(); ++i) threads.emplace_back([&worker = *workers[i]] { worker.serve(); });
    } catch (const std::exception& e) {
      std::fprintf(stderr, "rethinkswarmmode: cannot start %d workers: %s (set WORKERS lower)\n", count, e.what());
      std::_Exit(1);
    }
    workers.front()->serve();
    for (auto& thread : threads) thread.join();
    workers.clear();
    std::fprintf(stderr, "rethinkswarmmode: stopped\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rethinkswarmmode: %s\n", e.what());
    return 1;
  }
}
