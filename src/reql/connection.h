// A connection to one RethinkDB server.
//
//   auto conn = reql::Connection::connect({.host = "db", .password = secret});
//   std::string hello = conn->run(r.expr("Hello from Rethink")).value();
//   for (auto cursor = conn->run(r.table("users")); auto row = cursor.next();) use(*row);
//
// Many queries may be in flight at once, from any number of threads: each gets its own
// token and the server's answers are routed back by token. A background thread (Boost.Asio)
// reads and writes; callers block with a deadline, so a dead server never makes a caller
// wait longer than its timeout (a changefeed waits for its next change). async_run() and
// Cursor::async_next() are the same without blocking:
//
//   auto future = conn->async_run(r.expr(1), {}, boost::asio::use_future);
//   conn->async_run(query, {}, [](std::exception_ptr error, reql::Cursor cursor) { ... });
//   cursor.async_next([](std::exception_ptr error, std::optional<nlohmann::json> row) { ... });
//
// ConnectOptions::io_context puts the reading and writing on the caller's io_context
// instead of a thread of the connection's own. A server that answers requests from that
// context then never crosses a thread: the query goes out and its answer comes back on
// the same thread. The io_context must outlive the connection, and blocking calls
// (connect, run, next) must not be made on its threads: they wait for those threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "reql/response.h"
#include "reql/term.h"

namespace reql {

struct ConnectOptions {
  std::string host = "localhost";
  int port = 28015;
  std::string user = "admin";
  std::string password;  // admin's is empty until someone sets one
  std::chrono::milliseconds connect_timeout{5000};
  // How long a query may go without an answer. A changefeed waits for its next change
  // as long as the connection lives (TCP keepalive finds a dead server in about 20 s).
  std::chrono::milliseconds read_timeout{30000};
  // The SCRAM client nonce; random when empty. Set only by tests that replay recordings.
  std::string nonce;
  // TLS to a server started with --driver-tls-key/--driver-tls-cert. The server's
  // certificate is checked against ca_file (or the system's CAs) and the host name.
  struct Tls {
    bool enabled = false;
    std::string ca_file;
    bool verify = true;
  } tls;
  // Where the connection reads and writes: null for a thread of its own, else the
  // caller's io_context (see the top of this file).
  boost::asio::io_context* io_context = nullptr;
};

// Options of one run: the server's global optargs ({"db", "app"}, {"read_mode",
// "outdated"}, {"noreply", true}, {"profile", true}...). A "db" given as a name is sent as
// r.db(name), as the drivers do.
using RunOptions = OptArgMap;

class Connection;

// The answer to a query: one value (value()), or a stream of rows read with next(). A
// stream that is not read to its end is stopped on the server when the cursor is closed
// or destroyed.
class Cursor {
 public:
  Cursor(Cursor&&) noexcept;
  Cursor& operator=(Cursor&&) noexcept;
  ~Cursor();

  // True when the server answered with a single value (not a sequence).
  bool is_atom() const { return atom_; }
  bool is_feed() const { return feed_; }
  // The single value of an atom answer (GROUPED_DATA presented as groups).
  const nlohmann::json& value() const;
  // The next row, fetching more from the server when needed; nullopt at the end. On a
  // changefeed it waits for the next change however long that takes; the connection's
  // end (closed, or the server found dead) ends the wait with ConnectionError.
  std::optional<nlohmann::json> next();
  // next() without blocking. The completion signature is
  // void(std::exception_ptr, std::optional<nlohmann::json>), handed to the token's
  // executor. One at a time per cursor, and the cursor must outlive it (as an Asio I/O
  // object outlives its operations).
  template <class CompletionToken>
  auto async_next(CompletionToken&& token);
  // Every remaining row (never use it on a changefeed).
  nlohmann::json to_array();
  // Stops the stream on the server (STOP) if it is still open.
  void close();
  const nlohmann::json& profile() const { return profile_; }

 private:
  friend class Connection;
  friend class Pool;
  Cursor() = default;  // an empty, finished cursor (what a failed async_run hands over)
  Cursor(std::shared_ptr<Connection> connection, uint64_t token, Response first);
  void take(Response response);
  using NextCallback = std::function<void(std::exception_ptr, std::optional<nlohmann::json>)>;
  void start_next(NextCallback callback);

  std::shared_ptr<Connection> connection_;
  uint64_t token_ = 0;
  bool atom_ = false;
  bool feed_ = false;
  bool done_ = true;
  // Rows received and not yet read: rows_[next_row_] on. A vector, not a deque: a cursor
  // is moved through every layer of an asynchronous answer, and an empty deque allocates.
  std::vector<nlohmann::json> rows_;
  size_t next_row_ = 0;
  bool has_rows() const { return next_row_ < rows_.size(); }
  nlohmann::json take_row();
  nlohmann::json value_;
  nlohmann::json profile_;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // Connects, runs the V1_0 handshake (SCRAM-SHA-256) and starts the connection's thread.
  // Throws ConnectionError (unreachable, timed out), ProtocolError (not a RethinkDB
  // server), AuthError (wrong user or password).
  static std::shared_ptr<Connection> connect(const ConnectOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs a query. Errors from the server are thrown as QueryError subclasses. With
  // {"noreply", true} the server sends nothing back: the cursor returned is empty.
  Cursor run(const Term& query, const RunOptions& options = {});
  // Runs a query without blocking. The completion signature is
  // void(std::exception_ptr, Cursor): the error (a QueryError, ConnectionError...) or the
  // cursor, handed to the token's executor. The answer arrives on the connection's
  // thread (its own, or the io_context's): do not call a cursor's blocking next() from a
  // handler that runs there.
  template <class CompletionToken>
  auto async_run(const Term& query, const RunOptions& options, CompletionToken&& token);
  // Waits until every noreply query sent so far has been processed.
  void noreply_wait();
  // {"id", "name", "proxy"} of the server this connection talks to.
  nlohmann::json server_info();

  const std::string& server_version() const { return server_version_; }
  bool is_open() const;
  // Closes the socket; queries waiting for an answer fail with ConnectionError.
  void close();

 private:
  friend class Cursor;
  friend class Pool;
  struct Impl;
  using AsyncCallback = std::function<void(std::exception_ptr, Cursor)>;
  void start_async(const Term& query, const RunOptions& options, AsyncCallback callback);
  // Where the connection's answers arrive (for timers that go with its queries).
  boost::asio::io_context::executor_type executor() const;
  // Internally, as in the API, a failure is thrown where the caller waits, and handed on as
  // the std::exception_ptr argument where it does not (null when there is none).
  //
  // Registers callback for the token's next answer, then sends query_json under the
  // token. The callback gets the answer on the connection's thread, or why none came (a
  // ConnectionError: the connection's end, or read_timeout unless without_deadline); when
  // the connection is gone already, it gets that at once and nothing is sent.
  using AnswerCallback = std::function<void(std::exception_ptr failure, Response* answer)>;
  void send_and_await(uint64_t token, const std::string& query_json, bool without_deadline, AnswerCallback callback);
  // The START message of a query: [1, term, optargs], and whether the server answers it.
  struct StartMessage {
    std::string json;
    bool noreply = false;
  };
  StartMessage start_message(const Term& query, const RunOptions& options) const;
  explicit Connection(const ConnectOptions& options);

  // Sends [type, ...] and waits for the first answer to it.
  Response exchange(uint64_t token, const std::string& query_json);
  // Throws ConnectionError after read_timeout, unless without_deadline (a changefeed).
  Response wait_for(uint64_t token, bool without_deadline = false);
  void send_continue(uint64_t token);
  void send_stop(uint64_t token);
  uint64_t new_token();

  ConnectOptions options_;
  std::string server_version_;
  // Shared with the connection's thread, which may outlive this object: a cursor or a
  // callback can drop the last reference on that very thread.
  std::shared_ptr<Impl> impl_;
};

namespace detail {

// A copyable callback that hands its arguments to `handler` on the handler's associated
// executor (inline when it has none). Handlers may be move-only, hence the shared pointer.
template <class... Args, class Handler>
std::function<void(Args...)> on_handler_executor(Handler handler) {
  auto shared = std::make_shared<Handler>(std::move(handler));
  return [shared](Args... args) {
    auto executor = boost::asio::get_associated_executor(*shared);
    boost::asio::dispatch(executor, [shared, ... args = std::move(args)]() mutable { (*shared)(std::move(args)...); });
  };
}

}  // namespace detail

template <class CompletionToken>
auto Connection::async_run(const Term& query, const RunOptions& options, CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, Cursor)>(
      [this, &query, &options](auto handler) {
        start_async(query, options, detail::on_handler_executor<std::exception_ptr, Cursor>(std::move(handler)));
      },
      token);
}

template <class CompletionToken>
auto Cursor::async_next(CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, std::optional<nlohmann::json>)>(
      [this](auto handler) {
        start_next(detail::on_handler_executor<std::exception_ptr, std::optional<nlohmann::json>>(std::move(handler)));
      },
      token);
}

}  // namespace reql
