// The connection's state lives in Impl, shared with the handlers on the connection's
// thread: the socket (plain or TLS), the answers awaited by token, one deadline timer, and
// the queue of frames to write.
#include "reql/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <deque>
#include <set>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include "reql/errors.h"
#include "reql/frame.h"
#include "reql/handshake.h"

namespace reql {

namespace asio = boost::asio;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Connection::Impl : std::enable_shared_from_this<Connection::Impl> {
  explicit Impl(asio::io_context* given) : io(given ? *given : own_io), on_callers_io(given != nullptr) {}

  // The connection's own io_context, run by its own thread, unless the caller gave one
  // (ConnectOptions::io_context) whose threads then do the reading and writing.
  asio::io_context own_io;
  asio::io_context& io;
  const bool on_callers_io;
  asio::ip::tcp::resolver resolver{io};
  asio::ip::tcp::socket socket{io};
  std::optional<asio::ssl::context> tls_context;
  std::optional<asio::ssl::stream<asio::ip::tcp::socket&>> tls;  // over `socket`, when TLS is on

  // Calls f with the stream to read and write: the TLS stream, or the plain socket.
  template <class F>
  void with_stream(F&& f) {
    if (tls)
      f(*tls);
    else
      f(socket);
  }
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;  // none on the caller's io_context
  std::atomic<bool> closed{false};
  std::atomic<uint64_t> next_token{1};

  // Shared between callers and the io thread.
  std::mutex mutex;
  std::map<uint64_t, std::deque<Response>> inbox;  // answers not yet taken, by token
  // Callers blocked in wait_for, by token. Each has its own condition variable, so an
  // answer wakes only the thread waiting for it (one shared one woke all of them: with
  // 64 threads waiting, most of the time went to wakeups that found nothing).
  std::map<uint64_t, std::condition_variable*> sleepers;
  // Answers that async callers wait for, by token, with their deadlines.
  struct Awaited {
    AnswerCallback callback;
    Clock::time_point deadline;  // max(): none (a changefeed)
  };
  std::map<uint64_t, Awaited> callbacks;
  // One timer serves every deadline, so that a query arms and cancels no timer of its
  // own: it is armed for the earliest, and when it fires it fails what is due and is
  // armed for the next. Deadlines come in the order they fall due, all read_timeout
  // ahead, so a new one never needs the timer moved.
  bool deadline_timer_armed = false;
  std::set<uint64_t> unwanted;  // stopped cursors: their answers are dropped
  std::string failure;          // why the connection is gone, once it is

  // What a query that timed out is told.
  std::string where;  // host:port
  std::chrono::milliseconds read_timeout{0};
  std::string timeout_message() const {
    return "the server at " + where + " did not answer within " + std::to_string(read_timeout.count()) + " ms";
  }

  // The io thread's own.
  asio::steady_timer deadline_timer{io};
  std::deque<std::string> outbox;
  std::string writing_now;  // what the current write sends: every frame queued when it began
  bool writing = false;
  std::array<char, 64 * 1024> read_buffer;
  FrameReader incoming;
  std::vector<Frame> frames;  // what one read completed

  void fail(const std::string& reason) {
    decltype(callbacks) waiting;
    {
      std::lock_guard lock(mutex);
      if (failure.empty()) failure = reason;
      waiting.swap(callbacks);
      for (auto& [token, sleeper] : sleepers) sleeper->notify_one();
    }
    if (waiting.empty()) return;
    auto error = std::make_exception_ptr(ConnectionError(reason));
    for (auto& [token, awaited] : waiting) awaited.callback(error, nullptr);
  }

  // On the io thread: fails the waits that are due, then sleeps until the earliest left.
  void expire_deadlines() {
    std::vector<AnswerCallback> expired;
    std::unique_lock lock(mutex);
    auto now = Clock::now();
    auto earliest = Clock::time_point::max();
    for (auto it = callbacks.begin(); it != callbacks.end();) {
      if (it->second.deadline > now) {
        earliest = std::min(earliest, it->second.deadline);
        ++it;
        continue;
      }
      expired.push_back(std::move(it->second.callback));
      unwanted.insert(it->first);  // a late answer is dropped
      it = callbacks.erase(it);
    }
    deadline_timer_armed = earliest != Clock::time_point::max() && !closed;
    if (deadline_timer_armed) {
      deadline_timer.expires_at(earliest);
      // A weak reference: on the connection's own io_context a strong one would keep it alive.
      deadline_timer.async_wait([weak = weak_from_this()](boost::system::error_code error) {
        if (auto self = weak.lock(); self && !error) self->expire_deadlines();
      });
    }
    lock.unlock();
    if (expired.empty()) return;
    auto error = std::make_exception_ptr(ConnectionError(timeout_message()));
    for (auto& callback : expired) callback(error, nullptr);
  }

  void deliver(uint64_t token, Response response) {
    std::unique_lock lock(mutex);
    if (auto it = callbacks.find(token); it != callbacks.end()) {
      auto callback = std::move(it->second.callback);
      callbacks.erase(it);
      lock.unlock();
      callback(nullptr, &response);
      return;
    }
    if (unwanted.contains(token)) {
      if (!response.is_partial()) unwanted.erase(token);
      return;
    }
    inbox[token].push_back(std::move(response));
    if (auto sleeper = sleepers.find(token); sleeper != sleepers.end()) sleeper->second->notify_one();
  }

  void read_next() {
    with_stream([this](auto& stream) { read_some(stream); });
  }

  // Reads whatever has arrived, however it is cut, and delivers every complete frame: one
  // system call for many answers when many queries are in flight.
  template <class Stream>
  void read_some(Stream& stream) {
    // Each handler holds the state: on the caller's io_context it may run after close().
    stream.async_read_some(asio::buffer(read_buffer),
                           [this, self = shared_from_this()](boost::system::error_code error, size_t received) {
                             if (error) return fail("the connection to the server was lost: " + error.message());
                             try {
                               incoming.feed(std::string_view(read_buffer.data(), received));
                               frames.clear();
                               incoming.drain(frames);
                               for (auto& frame : frames) deliver(frame.token, Response::parse(frame.json));
                             } catch (const Error& e) {
                               return fail(e.what());
                             }
                             read_next();
                           });
  }

  // Called on the io thread.
  // Frames queued while a write is under way go out together in the next one: one
  // system call for many queries when many are in flight.
  void write_next() {
    writing = true;
    writing_now.clear();
    for (auto& frame : outbox) writing_now += frame;
    outbox.clear();
    with_stream([this](auto& stream) {
      asio::async_write(stream, asio::buffer(writing_now),
                        [this, self = shared_from_this()](boost::system::error_code error, size_t) {
                          if (error) return fail("cannot write to the server: " + error.message());
                          if (outbox.empty())
                            writing = false;
                          else
                            write_next();
                        });
    });
  }

  void send(std::string frame) {
    // A weak reference: a frame sent once the connection's own thread is gone (a cursor's
    // STOP after close()) must not keep the connection alive in a queue nobody runs.
    asio::post(io, [weak = weak_from_this(), frame = std::move(frame)]() mutable {
      auto self = weak.lock();
      if (!self) return;
      self->outbox.push_back(std::move(frame));
      if (!self->writing) self->write_next();
    });
  }

  // On the io thread, once closed: nothing of the connection's is left pending there (its
  // own thread's run() then returns).
  void shut() {
    boost::system::error_code ignored;
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    deadline_timer.cancel();
  }

  // Ends whatever connecting was doing: its handler finishes with an error.
  void give_up() {
    resolver.cancel();
    boost::system::error_code ignored;
    socket.close(ignored);
  }

  // One step of connecting (resolve and connect, TLS, a handshake read). Shared with its
  // handler, which on the caller's io_context may finish after the step was given up.
  struct Step {
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
    boost::system::error_code error;
    size_t bytes = 0;

    void finish(boost::system::error_code result, size_t transferred = 0) {
      std::lock_guard lock(mutex);
      error = result;
      bytes = transferred;
      done = true;
      finished.notify_all();
    }
    bool is_done() {
      std::lock_guard lock(mutex);
      return done;
    }
  };

  // Waits until the step is done or the deadline passes (then the socket is closed). On its
  // own io_context, whose thread does not run yet, the connection drives it here; the
  // caller's io_context is driven by the caller's threads.
  void wait(Step& step, Clock::time_point deadline, const std::string& what) {
    if (on_callers_io) {
      std::unique_lock lock(step.mutex);
      if (step.finished.wait_until(lock, deadline, [&] { return step.done; })) return;
      asio::post(io, [self = shared_from_this()] { self->give_up(); });
      throw ConnectionError(what + ": no answer in time");
    }
    io.restart();
    while (!step.is_done()) {
      if (Clock::now() >= deadline || io.run_one_until(deadline) == 0) {
        if (step.is_done()) break;
        give_up();
        io.restart();
        io.poll();  // lets the cancelled operation finish
        throw ConnectionError(what + ": no answer in time");
      }
    }
  }
};

Connection::Connection(const ConnectOptions& options)
    : options_(options), impl_(std::make_shared<Impl>(options.io_context)) {
  impl_->where = options.host + ":" + std::to_string(options.port);
  impl_->read_timeout = options.read_timeout;
}

Connection::~Connection() { close(); }

std::shared_ptr<Connection> Connection::connect(const ConnectOptions& options) {
  std::shared_ptr<Connection> connection(new Connection(options));
  Impl& impl = *connection->impl_;
  std::string where = options.host + ":" + std::to_string(options.port);
  auto deadline = Clock::now() + options.connect_timeout;

  // Connect.
  auto step = std::make_shared<Impl::Step>();
  impl.resolver.async_resolve(
      options.host, std::to_string(options.port), [self = connection->impl_, step](auto error, auto endpoints) {
        if (error) return step->finish(error);
        asio::async_connect(self->socket, endpoints, [step](auto connect_error, auto) { step->finish(connect_error); });
      });
  impl.wait(*step, deadline, "connecting to " + where);
  if (step->error) throw ConnectionError("cannot connect to RethinkDB at " + where + ": " + step->error.message());
  impl.socket.set_option(asio::ip::tcp::no_delay(true));
  // A changefeed may wait for its next change for ever, with nothing on the wire: TCP
  // keepalive is what finds a server that died without closing (about 20 s).
  impl.socket.set_option(asio::socket_base::keep_alive(true));
  int fd = impl.socket.native_handle(), idle = 10, interval = 5, probes = 2;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);

  if (options.tls.enabled) {
    impl.tls_context.emplace(asio::ssl::context::tls_client);
    if (options.tls.ca_file.empty())
      impl.tls_context->set_default_verify_paths();
    else
      impl.tls_context->load_verify_file(options.tls.ca_file);
    impl.tls.emplace(impl.socket, *impl.tls_context);
    if (options.tls.verify) {
      impl.tls->set_verify_mode(asio::ssl::verify_peer);
      impl.tls->set_verify_callback(asio::ssl::host_name_verification(options.host));
    }
    SSL_set_tlsext_host_name(impl.tls->native_handle(), options.host.c_str());
    step = std::make_shared<Impl::Step>();
    impl.tls->async_handshake(asio::ssl::stream_base::client,
                              [self = connection->impl_, step](auto error) { step->finish(error); });
    impl.wait(*step, deadline, "the TLS handshake with " + where);
    if (step->error) throw ConnectionError("TLS with " + where + " failed: " + step->error.message());
  }

  // Handshake, with the same deadline.
  Handshake handshake(options.user, options.password,
                      options.nonce.empty() ? ScramClient::random_nonce() : options.nonce);
  auto write_all = [&](const std::string& bytes) {
    impl.with_stream([&](auto& stream) { asio::write(stream, asio::buffer(bytes)); });
  };
  write_all(handshake.start());
  NulSplitter incoming;
  auto buffer = std::make_shared<std::array<char, 4096>>();  // its reader may outlive this call
  while (!handshake.done()) {
    std::string message;
    while (!handshake.done() && incoming.next(message)) {
      std::string reply = handshake.on_message(message);
      if (!reply.empty()) write_all(reply);
    }
    if (handshake.done()) break;
    step = std::make_shared<Impl::Step>();
    impl.with_stream([&](auto& stream) {
      stream.async_read_some(asio::buffer(*buffer), [self = connection->impl_, step, buffer](auto error, size_t n) {
        step->finish(error, n);
      });
    });
    impl.wait(*step, deadline, "the handshake with " + where);
    if (step->error) {
      // A server that refuses our protocol says why, then closes: report its words.
      std::string rest = incoming.take_rest();
      if (!rest.empty()) handshake.on_message(rest);
      throw ConnectionError("the handshake with " + where + " failed: " + step->error.message());
    }
    incoming.feed(std::string_view(buffer->data(), step->bytes));
  }
  connection->server_version_ = handshake.server_version();

  // From here on the io_context's thread reads and writes: the connection's own, or the
  // caller's.
  if (impl.on_callers_io) {
    asio::post(impl.io, [self = connection->impl_] { self->read_next(); });
    return connection;
  }
  impl.io.restart();
  impl.work.emplace(impl.io.get_executor());
  impl.read_next();
  impl.thread = std::thread([impl = connection->impl_] { impl->io.run(); });
  return connection;
}

bool Connection::is_open() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->failure.empty();
}

void Connection::close() {
  if (!impl_ || impl_->closed.exchange(true)) return;
  if (impl_->on_callers_io) {
    // Nothing here to join: the socket is closed on the io_context, and what waits fails now.
    asio::post(impl_->io, [self = impl_] { self->shut(); });
    impl_->fail("the connection was closed");
    return;
  }
  if (!impl_->thread.joinable()) return;  // connect() did not get as far as starting it
  asio::post(impl_->io, [impl = impl_.get()] { impl->shut(); });
  impl_->work.reset();
  // On its own thread (the last reference dropped by a callback) it cannot join itself:
  // the thread then finishes by itself and frees what it shares.
  if (std::this_thread::get_id() == impl_->thread.get_id())
    impl_->thread.detach();
  else
    impl_->thread.join();
  impl_->fail("the connection was closed");
}

asio::io_context::executor_type Connection::executor() const { return impl_->io.get_executor(); }

uint64_t Connection::new_token() { return impl_->next_token++; }

Response Connection::wait_for(uint64_t token, bool without_deadline) {
  std::unique_lock lock(impl_->mutex);
  auto ready = [&] {
    auto it = impl_->inbox.find(token);
    return (it != impl_->inbox.end() && !it->second.empty()) || !impl_->failure.empty();
  };
  bool answered = true;
  std::condition_variable arrived;
  impl_->sleepers[token] = &arrived;
  if (without_deadline)
    arrived.wait(lock, ready);
  else
    answered = arrived.wait_until(lock, Clock::now() + options_.read_timeout, ready);
  impl_->sleepers.erase(token);
  auto it = impl_->inbox.find(token);
  if (it != impl_->inbox.end() && !it->second.empty()) {
    Response response = std::move(it->second.front());
    it->second.pop_front();
    if (!response.is_partial() && it->second.empty()) impl_->inbox.erase(it);
    return response;
  }
  if (!answered) {
    impl_->unwanted.insert(token);  // a late answer is dropped
    throw ConnectionError(impl_->timeout_message());
  }
  throw ConnectionError(impl_->failure);
}

Response Connection::exchange(uint64_t token, const std::string& query_json) {
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->failure.empty()) throw ConnectionError(impl_->failure);
  }
  impl_->send(encode_frame(token, query_json));
  return wait_for(token);
}

void Connection::send_continue(uint64_t token) { impl_->send(encode_frame(token, "[2]")); }

void Connection::send_stop(uint64_t token) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->unwanted.insert(token);
    impl_->inbox.erase(token);
  }
  impl_->send(encode_frame(token, "[3]"));
}

Connection::StartMessage Connection::start_message(const Term& query, const RunOptions& options) const {
  Json optargs = Json::object();
  StartMessage start;
  for (const auto& [name, value] : options) {
    optargs[name] = name == "db" && value.json().is_string() ? r.db(value).json() : value.json();
    start.noreply = start.noreply || (name == "noreply" && value.json() == true);
  }
  // [1, query, optargs] written out, not built as a Json array first: that would copy the
  // whole query once more.
  start.json = "[" + std::to_string(static_cast<int>(QueryType::START)) + ",";
  start.json += query.json().dump();
  if (!optargs.empty()) start.json += "," + optargs.dump();
  start.json += "]";
  return start;
}

Cursor Connection::run(const Term& query, const RunOptions& options) {
  StartMessage start = start_message(query, options);
  uint64_t token = new_token();
  if (start.noreply) {
    impl_->send(encode_frame(token, start.json));
    return Cursor(shared_from_this(), token, Response{.type = ResponseType::SUCCESS_SEQUENCE});
  }
  return Cursor(shared_from_this(), token, exchange(token, start.json));
}

void Connection::start_async(const Term& query, const RunOptions& options, AsyncCallback callback) {
  StartMessage start = start_message(query, options);
  uint64_t token = new_token();
  auto self = shared_from_this();
  // Builds the cursor from the first answer, or hands over why there is none.
  auto complete = [self, token, callback = std::move(callback)](std::exception_ptr failure, Response* response) {
    if (failure) return callback(failure, Cursor());
    try {
      callback(nullptr, Cursor(self, token, std::move(*response)));
    } catch (...) {
      callback(std::current_exception(), Cursor());
    }
  };
  if (start.noreply) {
    impl_->send(encode_frame(token, start.json));
    Response none{.type = ResponseType::SUCCESS_SEQUENCE};
    return complete(nullptr, &none);
  }
  send_and_await(token, start.json, false, std::move(complete));
}

void Connection::send_and_await(uint64_t token, const std::string& query_json, bool without_deadline,
                                AnswerCallback callback) {
  std::unique_lock lock(impl_->mutex);
  if (!impl_->failure.empty()) {
    auto failure = std::make_exception_ptr(ConnectionError(impl_->failure));
    lock.unlock();
    return callback(failure, nullptr);
  }
  auto deadline = without_deadline ? Clock::time_point::max() : Clock::now() + options_.read_timeout;
  impl_->callbacks.emplace(token, Impl::Awaited{std::move(callback), deadline});
  if (!without_deadline && !std::exchange(impl_->deadline_timer_armed, true))
    asio::post(impl_->io, [weak = std::weak_ptr<Impl>(impl_)] {
      if (auto impl = weak.lock()) impl->expire_deadlines();
    });
  lock.unlock();
  impl_->send(encode_frame(token, query_json));
}

void Connection::noreply_wait() {
  Response response = exchange(new_token(), "[4]");
  if (response.is_error()) response.throw_error();
}

Json Connection::server_info() {
  Response response = exchange(new_token(), "[5]");
  if (response.is_error()) response.throw_error();
  return response.results.empty() ? Json() : response.results[0];
}

// ---- Cursor

Cursor::Cursor(std::shared_ptr<Connection> connection, uint64_t token, Response first)
    : connection_(std::move(connection)), token_(token) {
  done_ = false;
  take(std::move(first));
}

Cursor::Cursor(Cursor&& other) noexcept { *this = std::move(other); }

Cursor& Cursor::operator=(Cursor&& other) noexcept {
  if (this != &other) {
    close();
    connection_ = std::move(other.connection_);
    token_ = other.token_;
    atom_ = other.atom_;
    feed_ = other.feed_;
    done_ = std::exchange(other.done_, true);
    rows_ = std::move(other.rows_);
    next_row_ = std::exchange(other.next_row_, 0);
    value_ = std::move(other.value_);
    profile_ = std::move(other.profile_);
  }
  return *this;
}

Cursor::~Cursor() { close(); }

void Cursor::take(Response response) {
  if (!response.profile.is_null()) profile_ = response.profile;
  if (response.is_error()) {
    done_ = true;
    response.throw_error();
  }
  switch (response.type) {
    case ResponseType::SUCCESS_ATOM:
    case ResponseType::SERVER_INFO:
      atom_ = true;
      value_ = response.results.empty() ? Json() : ungroup_pseudotypes(std::move(response.results[0]));
      done_ = true;
      return;
    case ResponseType::SUCCESS_PARTIAL:
      feed_ = feed_ || response.is_feed();
      for (auto& row : response.results) rows_.push_back(ungroup_pseudotypes(std::move(row)));
      return;
    default:  // SUCCESS_SEQUENCE, WAIT_COMPLETE: the last batch
      for (auto& row : response.results) rows_.push_back(ungroup_pseudotypes(std::move(row)));
      done_ = true;
  }
}

const Json& Cursor::value() const {
  if (!atom_) throw Error("this query answered with a sequence: read it with next() or to_array()");
  return value_;
}

std::optional<Json> Cursor::next() {
  while (!has_rows() && !done_) {
    connection_->send_continue(token_);
    // A changefeed's next batch comes when something changes: maybe much later.
    take(connection_->wait_for(token_, feed_));
  }
  if (!has_rows()) return std::nullopt;
  return take_row();
}

Json Cursor::take_row() {
  Json row = std::move(rows_[next_row_++]);
  if (next_row_ == rows_.size()) {
    rows_.clear();
    next_row_ = 0;
  }
  return row;
}

void Cursor::start_next(NextCallback callback) {
  if (has_rows() || done_) {
    std::optional<Json> row;
    if (has_rows()) row = take_row();
    return callback(nullptr, std::move(row));
  }
  connection_->send_and_await(token_, "[2]", feed_, [this, callback](std::exception_ptr failure, Response* response) {
    if (failure) return callback(failure, std::nullopt);
    try {
      take(std::move(*response));
    } catch (...) {
      return callback(std::current_exception(), std::nullopt);
    }
    start_next(callback);  // an empty batch asks again
  });
}

Json Cursor::to_array() {
  if (atom_) return value_;
  Json rows = Json::array();
  while (auto row = next()) rows.push_back(std::move(*row));
  return rows;
}

void Cursor::close() {
  if (done_ || !connection_) return;
  done_ = true;
  rows_.clear();
  next_row_ = 0;
  try {
    connection_->send_stop(token_);
  } catch (...) {  // a cursor of a lost connection has nothing left to stop
  }
}

}  // namespace reql
