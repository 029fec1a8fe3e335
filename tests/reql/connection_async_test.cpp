// async_run with Asio completion tokens: futures, plain callbacks, errors and deadlines.
#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "replay_server.h"
#include "reql/connection.h"
#include "reql/errors.h"
#include "support/fixtures.h"

using namespace reql;
using nlohmann::json;

namespace {

std::shared_ptr<Connection> connect_to(const rsm::testing::ReplayServer& server, std::chrono::milliseconds timeout) {
  return Connection::connect({.host = "127.0.0.1", .port = server.port(), .read_timeout = timeout});
}

}  // namespace

TEST(AsyncRun, CompletesAFuture) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  rsm::testing::ReplayServer server(rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json"));
  auto conn = connect_to(server, std::chrono::milliseconds(2000));
  auto future = conn->async_run(r.expr("Hello from Rethink"), {}, boost::asio::use_future);
  EXPECT_EQ(future.get().value(), "Hello from Rethink");
}

TEST(AsyncRun, CallsBackForManyQueriesInFlight) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  rsm::testing::ReplayServer server(rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json"));
  auto conn = connect_to(server, std::chrono::milliseconds(5000));
  constexpr int kQueries = 2000;
  std::mutex mutex;
  std::condition_variable all_done;
  int done = 0, right = 0;
  for (int i = 0; i < kQueries; ++i) {
    std::string text = "query " + std::to_string(i);
    conn->async_run(r.expr(text), {}, [&, text](std::exception_ptr error, Cursor cursor) {
      std::lock_guard lock(mutex);
      right += !error && cursor.value() == text;
      if (++done == kQueries) all_done.notify_one();
    });
  }
  std::unique_lock lock(mutex);
  EXPECT_TRUE(all_done.wait_for(lock, std::chrono::seconds(20), [&] { return done == kQueries; }));
  EXPECT_EQ(right, kQueries);
}

TEST(AsyncRun, HandsOverServerErrorsAndDeadlines) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  rsm::testing::ReplayServer server(rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json"));
  auto conn = connect_to(server, std::chrono::milliseconds(300));
  // The test server answers a query it has no recording of with CLIENT_ERROR.
  auto refused = conn->async_run(r.table("nothing recorded"), {}, boost::asio::use_future);
  EXPECT_THROW(refused.get(), ClientError);
  auto started = std::chrono::steady_clock::now();
  auto silent = conn->async_run(r.expr("ignore"), {}, boost::asio::use_future);
  EXPECT_THROW(silent.get(), ConnectionError);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1500));
  EXPECT_EQ(conn->async_run(r.expr("after"), {}, boost::asio::use_future).get().value(), "after");
}

TEST(AsyncRun, EachQueryFailsAtItsOwnDeadline) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  rsm::testing::ReplayServer server(rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json"));
  auto conn = connect_to(server, std::chrono::milliseconds(400));
  // One timer serves every deadline of a connection: after the first query's, it must wait
  // for the second's, which is later, and an answered query must not be failed.
  using Clock = std::chrono::steady_clock;
  auto started = Clock::now();
  auto first = conn->async_run(r.expr("ignore"), {}, boost::asio::use_future);
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  auto second = conn->async_run(r.expr("ignore"), {}, boost::asio::use_future);
  auto answered = conn->async_run(r.expr("answered"), {}, boost::asio::use_future);
  EXPECT_THROW(first.get(), ConnectionError);
  auto first_failed = Clock::now() - started;
  EXPECT_THROW(second.get(), ConnectionError);
  auto second_failed = Clock::now() - started;
  EXPECT_EQ(answered.get().value(), "answered");
  EXPECT_GE(first_failed, std::chrono::milliseconds(400));
  EXPECT_LT(first_failed, std::chrono::milliseconds(600)) << "not at its own deadline";
  EXPECT_GE(second_failed, std::chrono::milliseconds(650)) << "failed at the first query's deadline";
  EXPECT_LT(second_failed, std::chrono::milliseconds(1000));
}

TEST(AsyncRun, ClosingAfterAnsweredQueriesDoesNotWaitForTheirDeadlines) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  rsm::testing::ReplayServer server(rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json"));
  auto conn = connect_to(server, std::chrono::milliseconds(5000));
  EXPECT_EQ(conn->async_run(r.expr("answered"), {}, boost::asio::use_future).get().value(), "answered");
  auto closing = std::chrono::steady_clock::now();
  conn.reset();  // joins the connection's thread, which the deadline timer must not keep running
  EXPECT_LT(std::chrono::steady_clock::now() - closing, std::chrono::milliseconds(1000));
}

namespace {

// A query the test server answers with scripted batches: [1, 2], then [3], then the end.
const json kBatchedQuery = json::array({1, json::array({15, json::array({"batched"})})});
const std::vector<std::string> kBatches = {R"({"t":3,"r":[1,2]})", R"({"t":3,"r":[3]})", R"({"t":2,"r":[]})"};

}  // namespace

TEST(AsyncNext, ReadsEveryBatchWithoutBlocking) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  rsm::testing::ReplayServer server(rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json"));
  server.add(kBatchedQuery, kBatches);
  auto conn = connect_to(server, std::chrono::milliseconds(2000));
  Cursor cursor = conn->run(Term::raw(kBatchedQuery[1]));
  std::vector<json> rows;
  while (auto row = cursor.async_next(boost::asio::use_future).get()) rows.push_back(*row);
  EXPECT_EQ(rows, (std::vector<json>{1, 2, 3}));
  EXPECT_FALSE(cursor.async_next(boost::asio::use_future).get().has_value()) << "the end stays the end";
}

TEST(AsyncNext, ASlowBatchFailsAtTheReadTimeoutButAnIdleFeedWaits) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  rsm::testing::ReplayServer server(rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json"));
  server.set_continue_delay(std::chrono::milliseconds(600));
  const json feed_query = json::array({1, json::array({152, json::array({"feed"})})});
  server.add(kBatchedQuery, kBatches);
  server.add(feed_query, {R"({"t":3,"r":[],"n":[1]})", R"({"t":3,"r":[{"new_val":1}],"n":[1]})"});
  // The test server answers each connection in turn: one connection per cursor.
  auto conn = connect_to(server, std::chrono::milliseconds(200));
  auto feed_conn = connect_to(server, std::chrono::milliseconds(200));

  Cursor sequence = conn->run(Term::raw(kBatchedQuery[1]));
  EXPECT_EQ(sequence.async_next(boost::asio::use_future).get(), json(1));
  EXPECT_EQ(sequence.async_next(boost::asio::use_future).get(), json(2));
  EXPECT_THROW(sequence.async_next(boost::asio::use_future).get(), ConnectionError);

  Cursor feed = feed_conn->run(Term::raw(feed_query[1]));
  ASSERT_TRUE(feed.is_feed());
  EXPECT_EQ(feed.async_next(boost::asio::use_future).get(), json({{"new_val", 1}}));
}

TEST(AsyncNext, ALostConnectionEndsTheWait) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  rsm::testing::ReplayServer server(rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json"));
  server.set_continue_delay(std::chrono::milliseconds(1000));
  const json feed_query = json::array({1, json::array({152, json::array({"feed"})})});
  server.add(feed_query, {R"({"t":3,"r":[],"n":[1]})", R"({"t":3,"r":[{"new_val":1}],"n":[1]})"});
  auto conn = connect_to(server, std::chrono::milliseconds(200));
  Cursor feed = conn->run(Term::raw(feed_query[1]));
  auto waiting = feed.async_next(boost::asio::use_future);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  conn->close();
  EXPECT_THROW(waiting.get(), ConnectionError);
}
