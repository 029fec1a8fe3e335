// A small HTTP/1.1 server (Boost.Beast), asynchronous on one thread: keep-alive, answers
// that may come later (from the database), and a graceful stop for rolling updates: stop
// accepting, close idle connections, answer what is in flight (closing those connections
// after their answer), then return.
//
// One thread because the work per request is tiny and everything else is waiting: a
// thread per connection spent most of its time switching threads and taking locks. The
// io_context is the caller's, so that the database's connections can run on it too.
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
  // the server.
  HttpServer(boost::asio::io_context& io, int port, Handler handler);
  ~HttpServer();

  // Serves until stop(); then waits for the requests in flight (at most `grace`).
  void run(std::chrono::seconds grace);
  // Safe from any thread (the signal thread calls it).
  void stop();
  bool draining() const { return draining_; }

 private:
  class Session;
  void accept();
  void begin_drain();
  // Lets run() return once draining and nothing is in flight.
  void finish_if_drained();

  // The io thread's own. Sessions still held by handlers left in io_ when the server is
  // destroyed are told it is gone.
  std::set<Session*> sessions_;
  int in_flight_ = 0;

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  boost::asio::steady_timer grace_timer_{io_};
  std::chrono::seconds grace_{0};
  Handler handler_;
  std::atomic<bool> draining_{false};
};
