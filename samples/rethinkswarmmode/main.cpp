// rethinkswarmmode: the sample app of rethink-swarm (the seed's Go app, in C++).
// GET /bar answers "Hello, "/bar" 0.1" and a line from RethinkDB. It never exits because
// the database is away, and on SIGTERM it finishes the requests in flight first.
// `rethinkswarmmode healthcheck` is its container health check (see healthcheck.h).
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "config.h"
#include "healthcheck.h"
#include "http_server.h"
#include "reql/pool.h"
#include "routes.h"

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "healthcheck") == 0) {
    try {
      return check_health(AppConfig::from_environment().port);
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
    reql::PoolOptions database;
    database.seeds = config.database;
    database.connection.user = config.user;
    database.connection.password = config.password;
    database.connection.connect_timeout = std::chrono::milliseconds(2000);
    database.connection.read_timeout = std::chrono::milliseconds(5000);
    // One thread does everything: the HTTP server and the database's connections share
    // one io_context, so a request never crosses a thread (two hops per request were
    // the largest single cost in the app's profile). The io_context outlives both; the
    // pool ends first, so answers it still owes fail.
    boost::asio::io_context io(1);
    database.connection.io_context = &io;
    auto pool = std::make_unique<reql::Pool>(database);

    HttpServer* running = nullptr;
    std::chrono::seconds idle_limit(config.idle_timeout_seconds);
    HttpServer server(io, config.port, idle_limit, [&](const std::string& method, const std::string& target, Respond respond) {
      route(method, target, *pool, running->draining(), std::move(respond));
    });
    running = &server;
    std::thread signals([&] {
      int signal = 0;
      sigwait(&stop_signals, &signal);
      std::fprintf(stderr, "rethinkswarmmode: signal %d: finishing requests in flight\n", signal);
      server.stop();
    });
    signals.detach();
    std::fprintf(stderr, "rethinkswarmmode: listening on :%d, database %s\n", config.port, config.database.front().c_str());
    server.run(std::chrono::seconds(25));
    pool.reset();
    std::fprintf(stderr, "rethinkswarmmode: stopped\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rethinkswarmmode: %s\n", e.what());
    return 1;
  }
}
