// Connections to a RethinkDB cluster. Seeds are "host:port" (a name may resolve to many
// addresses, as swarm's `db` alias resolves to every live server); the pool keeps one
// connection per address it can reach, uses them in turn, and reconnects with exponential
// backoff. A read never waits on one server alone: if its answer is slow to come (see
// PoolOptions::Hedge) it goes to a second server too and the first answer wins, and when
// its connection drops it runs again on another server. Writes are never run twice: their
// ConnectionError reaches the caller (write_retry.h retries what may be retried).
//
//   reql::Pool pool({.seeds = {"db:28015"}, .connection = {.password = secret}});
//   auto hello = pool.run(r.expr("Hello from Rethink")).value();
//   pool.async_run(r.expr("Hello"), {}, [](std::exception_ptr error, reql::Cursor cursor) { ... });
#pragma once

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/thread_pool.hpp>

#include "reql/connection.h"
#include "reql/latency_window.h"

namespace reql {

struct PoolOptions {
  std::vector<std::string> seeds{"localhost:28015"};
  // User, password and timeouts for every connection (host and port come from the seeds),
  // and the io_context they run on, if the caller's (see connection.h): then async_run
  // from that context never crosses a thread, and run() must not be called there.
  ConnectOptions connection;
  // Names are looked up again at most this often, and whenever no server answers.
  std::chrono::milliseconds resolve_interval{2000};
  std::chrono::milliseconds max_backoff{5000};
  // Hedged reads. A read with no answer after `after_p99` times the 99th percentile of the
  // pool's recent answer times (never sooner than `min` nor later than `max`; `first`
  // until 20 answers have come) is sent to a second server too, and the first answer
  // wins: a server that froze, or whose node vanished without a word, costs a read this
  // delay instead of read_timeout. Three times the p99 keeps the second servers' extra
  // work well under 1% of the reads while the cluster is well. The server that lost is
  // then passed over, and given one read a second (hedged in turn), until it answers again.
  struct Hedge {
    bool enabled = true;
    double after_p99 = 3;
    std::chrono::milliseconds min{10};
    std::chrono::milliseconds max{1000};
    std::chrono::milliseconds first{200};
  } hedge;
};

class Pool {
 public:
  explicit Pool(PoolOptions options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Throws ConnectionError when no server can be reached (with the last reason).
  Cursor run(const Term& query, const RunOptions& options = {});
  // run() without blocking: the completion signature is void(std::exception_ptr, Cursor),
  // handed to the token's executor. The caller's thread never waits, not even to connect:
  // when no open connection is at hand (or names are due to be looked up again), that is
  // done on the pool's own connecting thread. Destroying the pool fails what is in flight.
  template <class CompletionToken>
  auto async_run(const Term& query, const RunOptions& options, CompletionToken&& token);
  // How many servers the pool has an open connection to right now.
  size_t connected();
  // How many reads have been sent to a second server since the pool was made.
  size_t hedged_reads() const { return hedged_reads_; }
  // How long a read waits for its answer now before it is hedged.
  std::chrono::milliseconds hedge_delay() const;

  // True when the query cannot change anything, so running it twice is harmless.
  static bool is_read(const Term& query);
  // "host:port" (or "[v6]:port"; the port defaults to 28015) -> host, port.
  static std::pair<std::string, int> split_seed(const std::string& seed);

 private:
  struct Server;
  // Failures of the pool's own attempts (a look-up, a connection) are caught where they
  // happen and kept as last_error_, the reason given when no server can be reached.
  //
  // Every address of every seed right now, and why a seed had none (no lock needed: it
  // only reads the options).
  struct Lookup {
    std::vector<std::pair<std::string, int>> addresses;
    std::string failure;
  };
  Lookup look_up_seeds() const;
  // Connects to one server; throws as Connection::connect does.
  std::shared_ptr<Connection> open_connection(const std::string& address, int port) const;
  // The lock (mutex_) is held only to read and record, never while looking names up or
  // connecting: a query's thread may take it (hedges, answers), and a server that hangs
  // must hold nobody up.
  //
  // Looks the seeds up again when due (or now, with force).
  void refresh_lookup(bool force);
  // Connects to the server and records the connection, or the failure and when to try
  // again (backoff); null on failure.
  std::shared_ptr<Connection> connect_to(const std::string& address, int port);
  // With mutex_ held.
  bool lookup_due() const;
  void take_lookup(const Lookup& lookup);
  Server* find(const std::string& address, int port);
  void record_connection(Server& server, std::shared_ptr<Connection> connection);
  void record_failure(Server& server, const std::string& failure);
  // An open connection, or one made now (on the connecting thread).
  std::shared_ptr<Connection> pick();
  // Closes every connection the pool has (without the lock held while closing).
  void close_connections();
  // The connecting thread's: looks names up again when due and connects to every server
  // that has no connection and may be tried.
  void keep_up();
  // An open connection, if one is at hand without waiting for anything (lock, lookup,
  // connect), other than `besides`; else null. Servers that lost a hedge are passed over
  // while another is open, save once a second.
  std::shared_ptr<Connection> pick_without_waiting(const Connection* besides = nullptr);
  using AsyncCallback = std::function<void(std::exception_ptr, Cursor)>;
  struct Query;
  void start_async(std::shared_ptr<const Term> query, RunOptions options, AsyncCallback callback);
  // Sends the query on the connection pick() finds (or makes), on the connecting thread.
  void send_after_pick(std::shared_ptr<Query> query);
  void send(std::shared_ptr<Query> query, std::shared_ptr<Connection> connection);
  void on_answer(const std::shared_ptr<Query>& query, const std::shared_ptr<Connection>& connection,
                 std::chrono::steady_clock::time_point sent, std::exception_ptr error, Cursor cursor);
  // The hedge delay is over and the read has no answer: it goes to a second server too.
  void hedge(const std::shared_ptr<Query>& query);
  // A server answered (after `latency`), or lost a hedge (it is passed over until it answers).
  void heard_from(const Connection& connection, std::chrono::steady_clock::duration latency);
  void lost_hedge(const Connection& connection);

  PoolOptions options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Server>> servers_;
  size_t next_ = 0;
  std::chrono::steady_clock::time_point resolved_at_{};
  std::string last_error_;
  bool keeping_up_ = false;  // keep_up() is queued or running
  std::atomic<bool> closing_{false};
  LatencyWindow latencies_;
  std::atomic<size_t> hedged_reads_{0};
  std::atomic<int> passed_over_{0};      // servers that lost a hedge and have not answered since
  std::atomic<size_t> server_count_{0};  // servers_.size(), read without the lock: one server has no hedge
  // Where async_run connects and looks names up when no connection is open, and where
  // keep_up() runs. Declared last, so that its thread is gone before anything it uses.
  boost::asio::thread_pool connector_{1};
};

template <class CompletionToken>
auto Pool::async_run(const Term& query, const RunOptions& options, CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, Cursor)>(
      [this, &query, &options](auto handler) {
        start_async(std::make_shared<const Term>(query), options,
                    detail::on_handler_executor<std::exception_ptr, Cursor>(std::move(handler)));
      },
      token);
}

}  // namespace reql
