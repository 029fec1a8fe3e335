#include "http_server.h"

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

// An idle keep-alive connection is closed after a minute; an answer gets as long to go out.
constexpr std::chrono::seconds kIdleLimit{60};

}  // namespace

// One connection: read a request, hand it to the handler, write its answer, again.
// Everything here runs on the server's thread; an answer from elsewhere is posted to it.
class HttpServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(HttpServer& server, tcp::socket socket) : server_(&server), stream_(std::move(socket)) {
    stream_.socket().set_option(tcp::no_delay(true));
    server_->sessions_.insert(this);
  }
  ~Session() {
    if (server_) server_->sessions_.erase(this);
  }
  // The server is gone; this session lives on only in a handler that will never run.
  void forget_server() { server_ = nullptr; }

  void read() {
    request_ = {};
    stream_.expires_after(kIdleLimit);
    http::async_read(stream_, buffer_, request_, [self = shared_from_this()](error_code error, size_t) {
      self->on_request(error);
    });
  }

  // At the start of a drain: a connection waiting for its next request is closed.
  void close_if_idle() {
    if (!busy_) stream_.cancel();
  }

 private:
  void on_request(error_code error) {
    if (error) return close();
    busy_ = true;
    ++server_->in_flight_;
    server_->handler_(std::string(request_.method_string()), std::string(request_.target()),
                     [self = shared_from_this()](Reply reply) {
                       asio::dispatch(self->stream_.get_executor(),
                                      [self, reply = std::move(reply)]() mutable { self->answer(std::move(reply)); });
                     });
  }

  void answer(Reply reply) {
    response_ = http::response<http::string_body>(static_cast<http::status>(reply.status), request_.version());
    response_.set(http::field::server, "rethinkswarmmode");
    response_.set(http::field::content_type, "text/plain; charset=utf-8");
    response_.body() = std::move(reply.body);
    response_.keep_alive(request_.keep_alive() && !server_->draining_);
    response_.prepare_payload();
    if (request_.method() == http::verb::head) response_.body().clear();  // the length stays: what GET would send
    stream_.expires_after(kIdleLimit);
    http::async_write(stream_, response_, [self = shared_from_this()](error_code error, size_t) { self->on_written(error); });
  }

  void on_written(error_code error) {
    busy_ = false;
    --server_->in_flight_;
    if (!error && response_.keep_alive()) read();
    else close();
    server_->finish_if_drained();
  }

  void close() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  HttpServer* server_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  bool busy_ = false;  // between a request read and its answer written
};

HttpServer::HttpServer(asio::io_context& io, int port, Handler handler)
    : io_(io), handler_(std::move(handler)) {
  tcp::endpoint endpoint(tcp::v4(), static_cast<unsigned short>(port));
  error_code error;
  acceptor_.open(endpoint.protocol(), error);
  if (!error) acceptor_.set_option(tcp::acceptor::reuse_address(true), error);
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
  io_.run();
}

void HttpServer::stop() {
  asio::post(io_, [this] { begin_drain(); });
}

void HttpServer::accept() {
  acceptor_.async_accept([this](error_code error, tcp::socket socket) {
    if (error) {
      if (error == asio::error::operation_aborted || draining_) return;  // closed by begin_drain
      return accept();  // out of descriptors, a connection reset before it was taken...
    }
    std::make_shared<Session>(*this, std::move(socket))->read();
    accept();
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
  // Every answer is written. Others' work on io_ (the database's connections) would keep
  // it running: stop it.
  io_.stop();
}
