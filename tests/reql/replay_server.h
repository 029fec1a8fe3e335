// A RethinkDB stand-in for tests, on a real TCP socket (at 127.0.0.1): it greets with a
// recorded server hello, authenticates with real SCRAM-SHA-256 (any user, the given
// password, any client nonce), then answers each query with the responses a real server
// gave to the same query (../shared/fixtures/reql), batch by batch as CONTINUEs arrive.
//
// A few queries are scripted instead: a START whose term is a plain string is echoed back
// as an atom ("Hello from Rethink"), "hang up" closes the connection, "ignore" is never
// answered. A silent server (set_silent) answers nothing at all.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "reql/connection.h"

namespace rsm::testing {

class ReplayServer {
 public:
  // handshake: a recording from fixtures/reql/handshake (its server hello is played).
  // port 0: any free port. Listens on 127.0.0.1, or on every interface (inside a
  // container standing in for a database server).
  enum class Listen { loopback, everywhere };
  explicit ReplayServer(const nlohmann::json& handshake, std::string password = "", int port = 0,
                        Listen where = Listen::loopback);
  ~ReplayServer();

  // Answers for a START query (compared as parsed JSON), used once each, in order.
  void add(const nlohmann::json& query, std::vector<std::string> responses);
  // One answer each, in turn, for START queries that have no recording of their own: a
  // server whose state changes under a writer (refusals while the primary changes, then
  // acknowledgements), whatever the writer sends.
  void add_timeline(std::vector<std::string> answers);
  // Answers START queries that have neither a recording nor a timeline answer by
  // evaluating them (support/memory_rethinkdb.h): term and global optargs in, the
  // answers out (a stream's batches as CONTINUEs arrive). Set before clients connect.
  using Evaluator = std::function<std::vector<std::string>(const nlohmann::json& term, const nlohmann::json& optargs)>;
  void set_evaluator(Evaluator evaluator) { evaluator_ = std::move(evaluator); }
  int port() const { return port_; }
  // Echoed answers (the scripted ones) go out this long after their query was read: a slow
  // database, working on the queries that came together at the same time, as a real one
  // does (one after the other, a few queries on one connection could outlast a timeout).
  void set_answer_delay(std::chrono::milliseconds delay) { answer_delay_ms_ = static_cast<int>(delay.count()); }
  // Answers to CONTINUE wait this long first: a changefeed with nothing changing.
  void set_continue_delay(std::chrono::milliseconds delay) { continue_delay_ms_ = static_cast<int>(delay.count()); }
  // A frozen server (a paused node, a network that drops packets): queries are read and
  // never answered, and no connection ends.
  void set_silent(bool silent) { silent_ = silent; }
  int connections() const { return connections_; }
  // How many queries (START) have come in, answered or not.
  int queries() const { return queries_; }
  // How answers go out when many queries are in flight. By default the answers to what one
  // read brought go out in one write. RethinkDB 2.4 writes each answer on its own
  // (json_protocol_t::send_response), which costs a client more reads: benchmarks run
  // both ways, since the drivers do not take the difference alike.
  void set_write_each_answer(bool each) { write_each_answer_ = each; }

 private:
  void serve();
  void serve_connection(int fd);
  // Runs the server side of the handshake; false when the client was refused.
  bool authenticate(int fd, std::string& pending);

  std::string hello_;
  std::string password_;
  std::mutex mutex_;
  std::map<std::string, std::deque<std::vector<std::string>>> answers_;  // by query dump
  std::deque<std::string> timeline_;
  Evaluator evaluator_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<int> queries_{0};
  std::atomic<bool> silent_{false};
  std::atomic<int> answer_delay_ms_{0};
  std::atomic<int> continue_delay_ms_{0};
  std::atomic<bool> write_each_answer_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// How a test connects to the server: the recording's user, password and client nonce, and
// 3 s to connect and for each answer.
reql::ConnectOptions replay_options(const ReplayServer& server, const nlohmann::json& handshake);

}  // namespace rsm::testing
