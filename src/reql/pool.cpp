// The pool's thread looks the seeds up and connects; queries pick an open connection in
// turn. A read in flight (Query) may be on two servers at once, hedged, or run again after
// its connection dropped: whatever answers first completes it, once.
#include "reql/pool.h"

#include <netdb.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <algorithm>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>

#include "reql/errors.h"

namespace reql {

using Clock = std::chrono::steady_clock;

struct Pool::Server {
  std::string address;  // numeric
  int port;
  std::shared_ptr<Connection> connection;
  Clock::time_point next_attempt{};
  std::chrono::milliseconds backoff{0};
  bool still_resolved = true;
  // It lost a hedge and has not answered since: asked only once a second (passed_over_at).
  bool passed_over = false;
  Clock::time_point passed_over_at{};
  // No open connection, and its backoff is over.
  bool needs_connecting() const;
};

struct Pool::Query {
  std::shared_ptr<const Term> term;
  RunOptions options;
  AsyncCallback callback;
  bool is_read = false;
  std::mutex mutex;
  bool answered = false;
  bool sent_again = false;                  // after its connection dropped
  std::vector<const Connection*> awaiting;  // one entry per attempt in flight
  // The read's first server, and the timer that hedges it on that server's io_context
  // (kept alive by the connection: the timer is destroyed first).
  std::shared_ptr<Connection> first;
  std::optional<boost::asio::steady_timer> hedge_timer;
};

namespace {

// Every address a name has right now (numeric text); ConnectionError when it has none.
std::vector<std::string> addresses_of(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0)
    throw ConnectionError("cannot resolve " + host + ": " + gai_strerror(rc));
  std::vector<std::string> out;
  for (addrinfo* a = found; a; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw = a->ai_family == AF_INET
                          ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
                          : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    if (inet_ntop(a->ai_family, raw, text, sizeof text) && std::find(out.begin(), out.end(), text) == out.end())
      out.emplace_back(text);
  }
  freeaddrinfo(found);
  return out;
}

bool writes(const nlohmann::json& term) {
  static const int kWriting[] = {static_cast<int>(TermType::INSERT),       static_cast<int>(TermType::UPDATE),
                                 static_cast<int>(TermType::REPLACE),      static_cast<int>(TermType::DELETE),
                                 static_cast<int>(TermType::DB_CREATE),    static_cast<int>(TermType::DB_DROP),
                                 static_cast<int>(TermType::TABLE_CREATE), static_cast<int>(TermType::TABLE_DROP),
                                 static_cast<int>(TermType::INDEX_CREATE), static_cast<int>(TermType::INDEX_DROP),
                                 static_cast<int>(TermType::INDEX_RENAME), static_cast<int>(TermType::RECONFIGURE),
                                 static_cast<int>(TermType::REBALANCE),    static_cast<int>(TermType::SYNC),
                                 static_cast<int>(TermType::GRANT),        static_cast<int>(TermType::SET_WRITE_HOOK),
                                 static_cast<int>(TermType::JAVASCRIPT),   static_cast<int>(TermType::HTTP),
                                 static_cast<int>(TermType::CHANGES)};
  if (term.is_object()) {
    for (const auto& [key, value] : term.items())
      if (writes(value)) return true;
    return false;
  }
  if (!term.is_array() || term.empty() || !term[0].is_number_integer()) return false;
  if (std::find(std::begin(kWriting), std::end(kWriting), term[0].get<int>()) != std::end(kWriting)) return true;
  for (size_t i = 1; i < term.size(); ++i)
    if (term[i].is_array() ? std::any_of(term[i].begin(), term[i].end(), writes) : writes(term[i])) return true;
  return false;
}

bool is_connection_error(std::exception_ptr error) {
  if (!error) return false;
  try {
    std::rethrow_exception(error);
  } catch (const ConnectionError&) {
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace

Pool::Pool(PoolOptions options) : options_(std::move(options)) {
  if (options_.seeds.empty()) throw Error("a pool needs at least one seed (host:port)");
}

Pool::~Pool() {
  // Every query fails now (ConnectionError), without being run again elsewhere, so that no
  // callback runs after the pool is gone: those in flight when their connection closes,
  // those waiting for one when the connecting thread comes to them. A connection being made
  // is waited for; the query it was made for is failed with it.
  closing_ = true;
  close_connections();
  connector_.join();
  close_connections();
}

void Pool::close_connections() {
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(mutex_);
    for (const auto& server : servers_)
      if (server->connection) open.push_back(server->connection);
  }
  for (const auto& connection : open) connection->close();
}

std::pair<std::string, int> Pool::split_seed(const std::string& seed) {
  if (!seed.empty() && seed.front() == '[') {
    auto close = seed.find(']');
    std::string host = seed.substr(1, close - 1);
    int port = close + 2 < seed.size() && seed[close + 1] == ':' ? std::stoi(seed.substr(close + 2)) : 28015;
    return {host, port};
  }
  auto colon = seed.rfind(':');
  if (colon == std::string::npos || seed.find(':') != colon) return {seed, 28015};
  return {seed.substr(0, colon), std::stoi(seed.substr(colon + 1))};
}

bool Pool::is_read(const Term& query) { return !writes(query.json()); }

Pool::Lookup Pool::look_up_seeds() const {
  Lookup lookup;
  for (const auto& seed : options_.seeds) {
    auto [host, port] = split_seed(seed);
    try {
      for (auto& address : addresses_of(host)) lookup.addresses.emplace_back(std::move(address), port);
    } catch (const Error& e) {
      lookup.failure = e.what();
    }
  }
  return lookup;
}

void Pool::take_lookup(const Lookup& lookup) {
  resolved_at_ = Clock::now();
  if (!lookup.failure.empty()) last_error_ = lookup.failure;
  for (auto& server : servers_) server->still_resolved = false;
  for (const auto& [address, port] : lookup.addresses) {
    if (Server* known = find(address, port))
      known->still_resolved = true;
    else
      servers_.push_back(std::unique_ptr<Server>(new Server{address, port}));
  }
  // A server that left DNS (its task stopped) is dropped, with its connection.
  std::erase_if(servers_, [this](const auto& s) {
    if (!s->still_resolved && s->passed_over) --passed_over_;
    return !s->still_resolved;
  });
  server_count_ = servers_.size();
}

bool Pool::lookup_due() const { return servers_.empty() || Clock::now() - resolved_at_ >= options_.resolve_interval; }

Pool::Server* Pool::find(const std::string& address, int port) {
  auto it = std::find_if(servers_.begin(), servers_.end(),
                         [&](const auto& s) { return s->address == address && s->port == port; });
  return it == servers_.end() ? nullptr : it->get();
}

std::shared_ptr<Connection> Pool::open_connection(const std::string& address, int port) const {
  ConnectOptions options = options_.connection;
  options.host = address;
  options.port = port;
  return Connection::connect(options);
}

void Pool::record_connection(Server& server, std::shared_ptr<Connection> connection) {
  server.connection = std::move(connection);
  server.backoff = std::chrono::milliseconds(0);
}

void Pool::record_failure(Server& server, const std::string& failure) {
  server.connection = nullptr;
  last_error_ = failure;
  server.backoff = std::min(options_.max_backoff, std::max(std::chrono::milliseconds(100), server.backoff * 2));
  server.next_attempt = Clock::now() + server.backoff;
}

bool Pool::Server::needs_connecting() const {
  return !(connection && connection->is_open()) && Clock::now() >= next_attempt;
}

void Pool::refresh_lookup(bool force) {
  {
    std::lock_guard lock(mutex_);
    if (!force && !lookup_due()) return;
  }
  auto lookup = look_up_seeds();
  std::lock_guard lock(mutex_);
  take_lookup(lookup);
}

std::shared_ptr<Connection> Pool::connect_to(const std::string& address, int port) {
  std::shared_ptr<Connection> connection;
  std::string failure;
  try {
    connection = open_connection(address, port);
  } catch (const Error& e) {
    failure = e.what();
  }
  std::lock_guard lock(mutex_);
  if (Server* server = find(address, port)) {
    if (connection)
      record_connection(*server, connection);
    else
      record_failure(*server, failure);
  }
  return connection;
}

std::shared_ptr<Connection> Pool::pick() {
  for (int pass = 0; pass < 2; ++pass) {
    refresh_lookup(pass == 1);
    std::vector<std::pair<std::string, int>> due;
    {
      std::lock_guard lock(mutex_);
      for (size_t tried = 0; tried < servers_.size(); ++tried) {
        Server& server = *servers_[next_++ % servers_.size()];
        if (server.connection && server.connection->is_open()) return server.connection;
        if (server.needs_connecting()) due.emplace_back(server.address, server.port);
      }
    }
    for (const auto& [address, port] : due)
      if (auto connection = connect_to(address, port)) return connection;
  }
  std::lock_guard lock(mutex_);
  std::string seeds;
  for (const auto& seed : options_.seeds) seeds += (seeds.empty() ? "" : ", ") + seed;
  throw ConnectionError("no RethinkDB server reachable at " + seeds + (last_error_.empty() ? "" : ": " + last_error_));
}

void Pool::keep_up() {
  if (closing_) return;
  try {
    refresh_lookup(false);
    std::vector<std::pair<std::string, int>> due;
    {
      std::lock_guard lock(mutex_);
      for (const auto& server : servers_)
        if (server->needs_connecting()) due.emplace_back(server->address, server->port);
    }
    for (const auto& [address, port] : due) connect_to(address, port);
  } catch (...) {  // out of memory, at worst: the next query asks for upkeep again
  }
  std::lock_guard lock(mutex_);
  keeping_up_ = false;
}

std::shared_ptr<Connection> Pool::pick_without_waiting(const Connection* besides) {
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock) return nullptr;
  std::shared_ptr<Connection> open, passed_over;
  auto now = Clock::now();
  for (size_t tried = 0; tried < servers_.size() && !open; ++tried) {
    Server& server = *servers_[next_++ % servers_.size()];
    if (!server.connection || !server.connection->is_open() || server.connection.get() == besides) continue;
    if (!server.passed_over || now - server.passed_over_at >= std::chrono::seconds(1)) {
      if (server.passed_over) server.passed_over_at = now;
      open = server.connection;
    } else if (!passed_over) {
      passed_over = server.connection;
    }
  }
  if (!open) open = passed_over;
  // Names due to be looked up again, or servers to (re)connect to: the connecting thread
  // sees to it while queries go on over the connections that are open. (With none open,
  // the query itself goes there, and must not wait behind a server that hangs.)
  bool upkeep_due = lookup_due() ||
                    std::any_of(servers_.begin(), servers_.end(), [](const auto& s) { return s->needs_connecting(); });
  if (open && upkeep_due && !keeping_up_) {
    keeping_up_ = true;
    boost::asio::post(connector_, [this] { keep_up(); });
  }
  return open;
}

void Pool::start_async(std::shared_ptr<const Term> term, RunOptions options, AsyncCallback callback) {
  auto query = std::make_shared<Query>();
  query->is_read = is_read(*term);
  query->term = std::move(term);
  query->options = std::move(options);
  query->callback = std::move(callback);
  if (auto connection = pick_without_waiting()) return send(std::move(query), std::move(connection));
  send_after_pick(std::move(query));
}

void Pool::send_after_pick(std::shared_ptr<Query> query) {
  boost::asio::post(connector_, [this, query = std::move(query)]() mutable {
    std::shared_ptr<Connection> connection;
    try {
      if (closing_) throw ConnectionError("the connection pool was closed");
      connection = pick();
    } catch (...) {
      return query->callback(std::current_exception(), Cursor());
    }
    send(std::move(query), std::move(connection));
    // Then to the other servers, so that a hedge finds one open.
    if (std::lock_guard lock(mutex_); !std::exchange(keeping_up_, true))
      boost::asio::post(connector_, [this] { keep_up(); });
  });
}

std::chrono::milliseconds Pool::hedge_delay() const {
  auto p99 = latencies_.p99();
  if (p99.count() == 0) return options_.hedge.first;
  auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(p99 * options_.hedge.after_p99);
  return std::clamp(delay, options_.hedge.min, options_.hedge.max);
}

void Pool::send(std::shared_ptr<Query> query, std::shared_ptr<Connection> connection) {
  bool hedged_later = false;
  {
    std::lock_guard lock(query->mutex);
    query->awaiting.push_back(connection.get());
    if (query->is_read && options_.hedge.enabled && server_count_ > 1 && !query->first) {
      query->first = connection;
      hedged_later = true;
    }
  }
  if (hedged_later) {
    query->hedge_timer.emplace(connection->executor(), hedge_delay());
    query->hedge_timer->async_wait([this, weak = std::weak_ptr<Query>(query)](boost::system::error_code error) {
      if (auto query = weak.lock(); query && !error && !closing_) hedge(query);
    });
  }
  Connection& on = *connection;
  auto sent = Clock::now();
  // Straight to the connection's callback, not through async_run: the query's callback
  // already hands its answer to the caller's executor.
  on.start_async(*query->term, query->options,
                 [this, query, connection = std::move(connection), sent](std::exception_ptr error, Cursor cursor) {
                   on_answer(query, connection, sent, error, std::move(cursor));
                 });
}

void Pool::hedge(const std::shared_ptr<Query>& query) {
  {
    std::lock_guard lock(query->mutex);
    if (query->answered || query->awaiting.empty()) return;
  }
  auto second = pick_without_waiting(query->first.get());
  if (!second) return;
  ++hedged_reads_;
  send(query, std::move(second));
}

void Pool::on_answer(const std::shared_ptr<Query>& query, const std::shared_ptr<Connection>& connection,
                     Clock::time_point sent, std::exception_ptr error, Cursor cursor) {
  bool dropped = is_connection_error(error);
  if (!dropped) heard_from(*connection, Clock::now() - sent);
  std::unique_lock lock(query->mutex);
  query->awaiting.erase(std::find(query->awaiting.begin(), query->awaiting.end(), connection.get()));
  // Another server answered first: this answer goes (its cursor, if any, is stopped).
  if (query->answered) return;
  // Not answered yet, and another server still may.
  if (dropped && !query->awaiting.empty()) return;
  // A read whose connection dropped runs once more, on another server.
  if (dropped && query->is_read && !query->sent_again && !closing_ && !connection->is_open()) {
    query->sent_again = true;
    lock.unlock();
    return send_after_pick(query);
  }
  query->answered = true;
  bool first_lost =
      query->first && query->first != connection &&
      std::find(query->awaiting.begin(), query->awaiting.end(), query->first.get()) != query->awaiting.end();
  lock.unlock();
  if (first_lost) lost_hedge(*query->first);
  query->callback(error, std::move(cursor));
}

void Pool::heard_from(const Connection& connection, Clock::duration latency) {
  latencies_.record(std::chrono::duration_cast<std::chrono::microseconds>(latency));
  if (passed_over_ == 0) return;
  std::lock_guard lock(mutex_);
  for (auto& server : servers_)
    if (server->connection.get() == &connection && std::exchange(server->passed_over, false)) --passed_over_;
}

void Pool::lost_hedge(const Connection& connection) {
  std::lock_guard lock(mutex_);
  for (auto& server : servers_)
    if (server->connection.get() == &connection && !std::exchange(server->passed_over, true)) {
      server->passed_over_at = Clock::now();
      ++passed_over_;
    }
}

Cursor Pool::run(const Term& query, const RunOptions& options) {
  return async_run(query, options, boost::asio::use_future).get();
}

size_t Pool::connected() {
  std::lock_guard lock(mutex_);
  return static_cast<size_t>(std::count_if(servers_.begin(), servers_.end(),
                                           [](const auto& s) { return s->connection && s->connection->is_open(); }));
}

}  // namespace reql
