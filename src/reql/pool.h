// Connections to a RethinkDB cluster. Seeds are "host:port" (a name may resolve to many
// addresses, as swarm's `db` alias resolves to every live server); the pool keeps one
// connection per address it can reach, uses them in turn, reconnects with exponential
// backoff, and runs a read again on another server when its connection dropped. Writes
// are never run twice: their ConnectionError reaches the caller.
//
//   reql::Pool pool({.seeds = {"db:28015"}, .connection = {.password = secret}});
//   auto hello = pool.run(r.expr("Hello from Rethink")).value();
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "reql/connection.h"

namespace reql {

struct PoolOptions {
  std::vector<std::string> seeds{"localhost:28015"};
  // User, password and timeouts for every connection (host and port come from the seeds).
  ConnectOptions connection;
  // Names are looked up again at most this often, and whenever no server answers.
  std::chrono::milliseconds resolve_interval{2000};
  std::chrono::milliseconds max_backoff{5000};
};

class Pool {
 public:
  explicit Pool(PoolOptions options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Throws ConnectionError when no server can be reached (with the last reason).
  Cursor run(const Term& query, const RunOptions& options = {});
  // How many servers the pool has an open connection to right now.
  size_t connected();

  // True when the query cannot change anything, so running it twice is harmless.
  static bool is_read(const Term& query);
  // "host:port" (or "[v6]:port"; the port defaults to 28015) -> host, port.
  static std::pair<std::string, int> split_seed(const std::string& seed);

 private:
  struct Server;
  std::shared_ptr<Connection> pick();
  void resolve_if_due(bool force);

  PoolOptions options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Server>> servers_;
  size_t next_ = 0;
  std::chrono::steady_clock::time_point resolved_at_{};
  std::string last_error_;
};

}  // namespace reql
