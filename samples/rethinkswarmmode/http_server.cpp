#include "http_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace asio = boost::asio;
namespace http = boost::beast::http;

HttpServer::HttpServer(int port, Handler handler) : handler_(std::move(handler)) {
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(listener_, 512) != 0) {
    std::string reason = std::strerror(errno);
    close(listener_);
    throw std::runtime_error("cannot listen on port " + std::to_string(port) + ": " + reason);
  }
}

HttpServer::~HttpServer() { close(listener_); }

void HttpServer::stop() {
  draining_ = true;
  shutdown(listener_, SHUT_RDWR);  // wakes accept()
}

void HttpServer::run(std::chrono::seconds grace) {
  while (!draining_) {
    int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE) continue;
      break;
    }
    std::thread([this, fd] { session(fd); }).detach();
  }
  std::unique_lock lock(mutex_);
  idle_.wait_for(lock, grace, [this] { return in_flight_ == 0; });
}

void HttpServer::session(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval idle_limit{60, 0};  // an idle keep-alive connection is closed after a minute
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle_limit, sizeof idle_limit);
  asio::io_context io;
  asio::ip::tcp::socket socket(io, asio::ip::tcp::v4(), fd);
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> request;
    boost::system::error_code error;
    http::read(socket, buffer, request, error);
    if (error) break;
    {
      std::lock_guard lock(mutex_);
      ++in_flight_;
    }
    Reply reply = handler_(std::string(request.method_string()), std::string(request.target()));
    http::response<http::string_body> response{static_cast<http::status>(reply.status), request.version()};
    response.set(http::field::server, "rethinkswarmmode");
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.body() = std::move(reply.body);
    response.keep_alive(request.keep_alive() && !draining_);
    response.prepare_payload();
    http::write(socket, response, error);
    bool keep_alive = response.keep_alive();
    {
      std::lock_guard lock(mutex_);
      --in_flight_;
    }
    idle_.notify_all();
    if (error || !keep_alive) break;
  }
  boost::system::error_code ignored;
  socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}
