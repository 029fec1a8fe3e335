// A small HTTP/1.1 server (Boost.Beast): a thread per connection, keep-alive, and a
// graceful stop for rolling updates: stop accepting, answer what is in flight (closing
// those connections), then return.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "routes.h"

class HttpServer {
 public:
  using Handler = std::function<Reply(const std::string& method, const std::string& target)>;

  // Binds 0.0.0.0:port; throws std::runtime_error when it cannot.
  HttpServer(int port, Handler handler);
  ~HttpServer();

  // Serves until stop(); then waits for the requests in flight (at most `grace`).
  void run(std::chrono::seconds grace);
  // Safe from any thread (the signal thread calls it).
  void stop();
  bool draining() const { return draining_; }

 private:
  void session(int fd);

  int listener_ = -1;
  Handler handler_;
  std::atomic<bool> draining_{false};
  std::mutex mutex_;
  std::condition_variable idle_;
  int in_flight_ = 0;
};
