// Beast sessions on the server's io_context: each connection reads a request, hands it to
// the routes, and writes the answer when it comes; one sweep closes idle connections, and
// stop() drains before it returns.
#include "http_server.h"

#include <sys/socket.h>

#include <stdexcept>
#include <utility>  // Boost 1.74's asio uses std::exchange without including it

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

// SO_REUSEPORT, which Asio has no name for: set like its own reuse_address.
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// Sweeps run kIdleSweeps times per idle limit, so a connection is closed between the limit
// and a sixth more after it went quiet.
constexpr uint64_t kIdleSweeps = 6;

}  // namespace

// One connection: read a request, hand it to the handler, write its answer, again.
// Everything here runs on the server's thread; an answer from elsewhere is posted to it.
class HttpServer::Session : public std::enable_shared_from_this<Session> {
 public:
  using Socket = asio::basic_stream_socket<tcp, Executor>;

  Session(HttpServer& server, Socket socket) : server_(&server), socket_(std::move(socket)) {
    socket_.set_option(tcp::no_delay(true));
    server_->sessions_.insert(this);
    response_.set(http::field::server, "rethinkswarmmode");
    response_.set(http::field::content_type, "text/plain; charset=utf-8");
  }
  ~Session() {
    if (server_) server_->sessions_.erase(this);
  }
  // The server is gone; this session lives on only in a handler that will never run.
  void forget_server() { server_ = nullptr; }

  void read() {
    request_ = {};
    waiting_for_ = Waiting::request;
    since_ = server_->sweeps_;
    http::async_read(socket_, buffer_, request_,
                     [self = shared_from_this()](error_code error, size_t) { self->on_request(error); });
  }

  // At the start of a drain: a connection waiting for its next request is closed.
  void close_if_idle() {
    // The idle sweep may have closed the socket already, its handler not run yet.
    error_code ignored;
    if (waiting_for_ == Waiting::request) socket_.cancel(ignored);
  }

  // A client that has kept us waiting (for its request, or to take its answer) since the
  // sweep `before` or earlier is cut off. Waiting for the database is not its fault: the
  // database has its own deadline.
  void close_if_waiting_since(uint64_t before) {
    error_code ignored;
    if (waiting_for_ != Waiting::handler && since_ <= before) socket_.close(ignored);
  }

 private:
  enum class Waiting { request, handler, client };

  void on_request(error_code error) {
    if (error) return close();
    waiting_for_ = Waiting::handler;
    ++server_->in_flight_;
    server_->handler_(std::string(request_.method_string()), std::string(request_.target()),
                      [self = shared_from_this()](Reply reply) {
                        asio::dispatch(self->socket_.get_executor(),
                                       [self, reply = std::move(reply)]() mutable { self->answer(std::move(reply)); });
                      });
  }

  void answer(Reply reply) {
    // One response per connection, made again only in part: its fixed fields stay.
    response_.result(static_cast<http::status>(reply.status));
    response_.version(request_.version());
    response_.body() = std::move(reply.body);
    response_.keep_alive(request_.keep_alive() && !server_->draining_);
    response_.prepare_payload();
    if (request_.method() == http::verb::head) response_.body().clear();  // the length stays: what GET would send
    waiting_for_ = Waiting::client;
    since_ = server_->sweeps_;
    http::async_write(socket_, response_,
                      [self = shared_from_this()](error_code error, size_t) { self->on_written(error); });
  }

  void on_written(error_code error) {
    --server_->in_flight_;
    if (!error && response_.keep_alive())
      read();
    else
      close();
    server_->finish_if_drained();
  }

  void close() {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
  }

  HttpServer* server_;
  Socket socket_;
  boost::beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  Waiting waiting_for_ = Waiting::request;
  uint64_t since_ = 0;  // the sweep count when it began waiting for the client
};

HttpServer::HttpServer(asio::io_context& io, int port, bool shared_port, std::chrono::seconds idle_limit,
                       Handler handler)
    : sweep_interval_(std::chrono::duration_cast<std::chrono::milliseconds>(idle_limit) / kIdleSweeps),
      io_(io),
      handler_(std::move(handler)) {
  tcp::endpoint endpoint(tcp::v4(), static_cast<unsigned short>(port));
  error_code error;
  acceptor_.open(endpoint.protocol(), error);
  if (!error) acceptor_.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error && shared_port) acceptor_.set_option(ReusePort(true), error);
  if (!error) acceptor_.bind(endpoint, error);
  if (!error) acceptor_.listen(512, error);
  if (error) throw std::runtime_error("cannot listen on port " + std::to_string(port) + ": " + error.message());
}

HttpServer::~HttpServer() {
  for (Session* session : sessions_) session->forget_server();
}

void HttpServer::run(std::chrono::seconds grace) {
  grace_ = grace;
  accept();
  sweep();
  io_.run();
}

void HttpServer::stop() {
  asio::post(io_, [this] { begin_drain(); });
}

void HttpServer::accept() {
  acceptor_.async_accept([this](error_code error, Session::Socket socket) {
    if (error) {
      if (error == asio::error::operation_aborted || draining_) return;  // closed by begin_drain
      return accept();  // out of descriptors, a connection reset before it was taken...
    }
    std::make_shared<Session>(*this, std::move(socket))->read();
    accept();
  });
}

void HttpServer::sweep() {
  if (sweeps_ > kIdleSweeps)
    for (Session* session : sessions_) session->close_if_waiting_since(sweeps_ - kIdleSweeps);
  ++sweeps_;
  sweep_timer_.expires_after(sweep_interval_);
  sweep_timer_.async_wait([this](error_code error) {
    if (!error) sweep();  // else the server is going
  });
}

void HttpServer::begin_drain() {
  draining_ = true;
  error_code ignored;
  acceptor_.close(ignored);
  for (Session* session : sessions_) session->close_if_idle();
  grace_timer_.expires_after(grace_);
  grace_timer_.async_wait([this](error_code error) {
    if (!error) io_.stop();  // the grace is over: what is still in flight is dropped
  });
  finish_if_drained();
}

void HttpServer::finish_if_drained() {
  if (!draining_ || in_flight_ > 0) return;
  grace_timer_.cancel();
  sweep_timer_.cancel();
  // Every answer is written. Others' work on io_ (the database's connections) would keep
  // it running: stop it.
  io_.stop();
}
