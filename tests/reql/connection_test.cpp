// The connection, cursor and changefeed code against a server that replays what a real
// RethinkDB 2.4.4 answered (replay_server.h): every recorded query of the main connection
// is run again, and its rows or typed error must come out as recorded.
#include "reql/connection.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>

#include "replay_server.h"
#include "reql/errors.h"
#include "support/fixtures.h"

using namespace reql;
using nlohmann::json;

namespace {

json admin_handshake(const std::filesystem::path& fixtures) {
  return rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json");
}

using rsm::testing::replay_options;

struct RecordedCase {
  std::string name;
  json query;
  std::vector<std::string> responses;
};

// START queries of the main connection whose JSON we can send again as it was.
std::vector<RecordedCase> replayable_cases(const std::filesystem::path& fixtures) {
  std::vector<RecordedCase> cases;
  std::ifstream in(fixtures / "queries.jsonl");
  for (std::string line; std::getline(in, line);) {
    json c = json::parse(line);
    if (c.contains("conn")) continue;
    json query = json::parse(c["query"].get<std::string>(), nullptr, false);
    if (query.is_discarded() || !query.is_array() || query.empty() || query[0] != 1) continue;
    if (query.dump().find("null") != std::string::npos &&
        c["query"].get<std::string>().find("1e400") != std::string::npos)
      continue;
    cases.push_back({c["name"], query, c["responses"].get<std::vector<std::string>>()});
  }
  return cases;
}

}  // namespace

TEST(ConnectionReplay, RunsEveryRecordedQueryAndReadsItsAnswer) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  json handshake = admin_handshake(fixtures);
  rsm::testing::ReplayServer server(handshake);
  auto cases = replayable_cases(fixtures);
  ASSERT_GE(cases.size(), 250u);
  for (const auto& c : cases) server.add(c.query, c.responses);

  auto conn = Connection::connect(replay_options(server, handshake));
  EXPECT_EQ(conn->server_version(), "2.4.4-10-g8de19b");
  int atoms = 0, sequences = 0, errors = 0, feeds = 0, noreplies = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name + ": " + c.query.dump().substr(0, 200));
    RunOptions options;
    if (c.query.size() > 2)
      for (const auto& [name, value] : c.query[2].items()) options.emplace(name, Term::raw(value));
    bool noreply = c.query.size() > 2 && c.query[2].value("noreply", false);
    if (noreply) {
      EXPECT_NO_THROW(conn->run(Term::raw(c.query[1]), options));
      ++noreplies;
      continue;
    }
    Response first = Response::parse(c.responses.at(0));
    try {
      Cursor cursor = conn->run(Term::raw(c.query[1]), options);
      EXPECT_FALSE(first.is_error()) << "expected an error: " << c.responses[0];
      if (cursor.is_atom()) {
        ++atoms;
        EXPECT_EQ(cursor.value(), ungroup_pseudotypes(first.results.at(0)));
        continue;
      }
      // Read exactly the rows the real server sent, batch after batch.
      json expected = json::array();
      bool ended = false;
      for (const auto& text : c.responses) {
        Response batch = Response::parse(text);
        if (batch.is_error()) break;
        for (const auto& row : batch.results) expected.push_back(ungroup_pseudotypes(row));
        ended = batch.type == ResponseType::SUCCESS_SEQUENCE;
        if (ended) break;
      }
      json rows = json::array();
      while (rows.size() < expected.size()) {
        auto row = cursor.next();
        if (!row) break;
        rows.push_back(*row);
      }
      EXPECT_EQ(rows, expected);
      if (ended) {
        EXPECT_FALSE(cursor.next().has_value());
      }
      feeds += cursor.is_feed();
      ++sequences;
      cursor.close();
    } catch (const QueryError& e) {
      ++errors;
      ASSERT_TRUE(first.is_error()) << "unexpected error " << e.what();
      EXPECT_EQ(std::string(e.what()), first.results[0].get<std::string>());
    }
  }
  EXPECT_NO_THROW(conn->noreply_wait());
  EXPECT_EQ(conn->server_info()["name"], "replay");
  std::printf("replayed %d atoms, %d sequences (%d feeds), %d errors, %d noreply\n", atoms, sequences, feeds, errors,
              noreplies);
  // What the recordings hold; a change here means a case was skipped or misread.
  EXPECT_EQ(atoms, 192);
  EXPECT_EQ(sequences, 39);
  EXPECT_EQ(feeds, 9);
  EXPECT_EQ(errors, 41);
  EXPECT_EQ(noreplies, 1);
  EXPECT_TRUE(conn->is_open());
}

TEST(ConnectionReplay, AnIdleChangefeedOutlastsTheReadTimeoutButASlowSequenceDoesNot) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  json handshake = admin_handshake(fixtures);
  rsm::testing::ReplayServer server(handshake);
  server.set_continue_delay(std::chrono::milliseconds(600));
  auto options = replay_options(server, handshake);
  options.read_timeout = std::chrono::milliseconds(200);
  int feeds = 0, sequences = 0;
  for (const auto& c : replayable_cases(fixtures)) {
    if (c.responses.size() < 2 || c.query.size() > 2) continue;
    Response first = Response::parse(c.responses[0]);
    Response second = Response::parse(c.responses[1]);
    if (first.type != ResponseType::SUCCESS_PARTIAL || second.is_error() || first.results.empty() ||
        second.results.empty())
      continue;
    SCOPED_TRACE(c.name);
    server.add(c.query, c.responses);
    auto conn = Connection::connect(options);
    Cursor cursor = conn->run(Term::raw(c.query[1]));
    for (size_t i = 0; i < first.results.size(); ++i) ASSERT_TRUE(cursor.next().has_value());
    // The second batch takes 600 ms, three times the read timeout.
    if (cursor.is_feed()) {
      ++feeds;
      auto row = cursor.next();
      ASSERT_TRUE(row.has_value());
      EXPECT_EQ(*row, ungroup_pseudotypes(second.results[0]));
      cursor.close();
    } else {
      ++sequences;
      EXPECT_THROW(cursor.next(), ConnectionError);
    }
  }
  EXPECT_GT(feeds, 0);
  EXPECT_GT(sequences, 0);
}

TEST(ConnectionReplay, ManyQueriesInFlightFromManyThreads) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  json handshake = admin_handshake(fixtures);
  rsm::testing::ReplayServer server(handshake);
  auto conn = Connection::connect(replay_options(server, handshake));
  std::atomic<int> right{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string text = "Hello from Rethink " + std::to_string(t) + "/" + std::to_string(i);
        if (conn->run(r.expr(text)).value() == text) ++right;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(right, 16 * 200);
}

TEST(ConnectionReplay, ALostConnectionFailsEveryWaiterAtOnce) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  json handshake = admin_handshake(fixtures);
  rsm::testing::ReplayServer server(handshake);
  auto conn = Connection::connect(replay_options(server, handshake));
  auto started = std::chrono::steady_clock::now();
  std::thread waiter([&] { EXPECT_THROW(conn->run(r.expr("ignore")), ConnectionError); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_THROW(conn->run(r.expr("hang up")), ConnectionError);
  waiter.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(2000));
  EXPECT_FALSE(conn->is_open());
  EXPECT_THROW(conn->run(r.expr("anything")), ConnectionError);
}

TEST(ConnectionReplay, ASilentServerNeverHoldsACallerPastItsTimeout) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  json handshake = admin_handshake(fixtures);
  rsm::testing::ReplayServer server(handshake);
  auto options = replay_options(server, handshake);
  options.read_timeout = std::chrono::milliseconds(300);
  auto conn = Connection::connect(options);
  auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(conn->run(r.expr("ignore")), ConnectionError);
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_GE(waited, std::chrono::milliseconds(300));
  EXPECT_LT(waited, std::chrono::milliseconds(1500));
  EXPECT_EQ(conn->run(r.expr("still usable")).value(), "still usable");
}

TEST(ConnectionReplay, AWrongPasswordIsAnAuthErrorAndNobodyListeningIsAConnectionError) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  json handshake = admin_handshake(fixtures);
  rsm::testing::ReplayServer server(handshake);
  auto options = replay_options(server, handshake);
  options.password = "not the password";
  // The replayed server signature belongs to the real password: ours cannot match it.
  EXPECT_THROW(Connection::connect(options), AuthError);

  int port = server.port();
  ConnectOptions nobody{
      .host = "127.0.0.1", .port = port == 1 ? 2 : 1, .connect_timeout = std::chrono::milliseconds(500)};
  EXPECT_THROW(Connection::connect(nobody), ConnectionError);
}
