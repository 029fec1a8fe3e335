// A small HTTP/1.1 server (Boost.Beast), asynchronous on one thread: keep-alive, answers
// that may come later (from the database), and a graceful stop for rolling updates: stop
// accepting, close idle connections, answer what is in flight (closing those connections
// after their answer), then return.
//
// One thread per server because the work per request is tiny and everything else is
// waiting: a thread per connection spent most of its time switching threads and taking
// locks. To use more cores, run a server per thread on the same port (shared_port): the
// kernel spreads the connections among them, and nothing is shared. The io_context is the
// caller's, so that the database's connections can run on it too.
// Sockets and timers are typed on that io_context's executor (not Asio's type-erased
// one, whose copies were a few percent of every request), and idle connections are found
// by one sweep for all of them rather than a timer armed around every read and write.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "routes.h"

class HttpServer {
 public:
  // Answers one request by calling `respond` once, at once or later, from any thread.
  using Handler = std::function<void(const std::string& method, const std::string& target, Respond respond)>;

  // Binds 0.0.0.0:port on io; throws std::runtime_error when it cannot. io must outlive
  // the server. A client that keeps the server waiting idle_limit (for its next request,
  // or to take an answer) is cut off. With shared_port (SO_REUSEPORT), other servers of
  // this process may listen on the port too; the kernel gives each a share of the
  // connections. (So may another process of the same user: that is the price.)
  HttpServer(boost::asio::io_context& io, int port, bool shared_port, std::chrono::seconds idle_limit, Handler handler);
  ~HttpServer();

  // Serves until stop(); then waits for the requests in flight (at most `grace`).
  void run(std::chrono::seconds grace);
  // Safe from any thread (the signal thread calls it).
  void stop();
  bool draining() const { return draining_; }

 private:
  class Session;
  void accept();
  // Every sweep_interval_: closes connections that have waited too long for a request,
  // or for the client to take an answer.
  void sweep();
  void begin_drain();
  // Lets run() return once draining and nothing is in flight.
  void finish_if_drained();

  // The io thread's own. Sessions still held by handlers left in io_ when the server is
  // destroyed are told it is gone.
  std::set<Session*> sessions_;
  int in_flight_ = 0;
  uint64_t sweeps_ = 0;  // how many sweeps have run: the sessions' clock
  std::chrono::milliseconds sweep_interval_;

  using Executor = boost::asio::io_context::executor_type;
  using Timer = boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                                  boost::asio::wait_traits<std::chrono::steady_clock>, Executor>;
  boost::asio::io_context& io_;
  boost::asio::basic_socket_acceptor<boost::asio::ip::tcp, Executor> acceptor_{io_.get_executor()};
  Timer grace_timer_{io_.get_executor()};
  Timer sweep_timer_{io_.get_executor()};
  std::chrono::seconds grace_{0};
  Handler handler_;
  std::atomic<bool> draining_{false};
};
