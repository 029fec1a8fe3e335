// The cluster-aware pool against replay servers on 127.0.0.1 that come and go.
#include "reql/pool.h"

#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>
#include <future>
#include <thread>

#include "replay_server.h"
#include "reql/errors.h"
#include "support/fixtures.h"
#include "support/ports.h"

using namespace reql;
using nlohmann::json;

namespace {

PoolOptions pool_options(const json& handshake, std::vector<std::string> seeds) {
  PoolOptions options;
  options.seeds = std::move(seeds);
  options.connection.password = handshake["password"];
  options.connection.nonce = handshake["client_nonce"];
  options.connection.connect_timeout = std::chrono::milliseconds(1000);
  options.connection.read_timeout = std::chrono::milliseconds(2000);
  return options;
}

std::string seed(const rsm::testing::ReplayServer& server) { return "127.0.0.1:" + std::to_string(server.port()); }

}  // namespace

TEST(Pool, UsesEveryServerAndSurvivesLosingOne) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  json handshake = rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json");
  auto first = std::make_unique<rsm::testing::ReplayServer>(handshake);
  auto second = std::make_unique<rsm::testing::ReplayServer>(handshake);
  Pool pool(pool_options(handshake, {seed(*first), seed(*second)}));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(pool.run(r.expr("Hello from Rethink")).value(), "Hello from Rethink");
  // The pool's own thread connects to the second server while the first answers.
  for (int i = 0; i < 100 && pool.connected() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(pool.connected(), 2u);
  EXPECT_EQ(first->connections(), 1);
  EXPECT_EQ(second->connections(), 1);
  int first_before = first->queries(), second_before = second->queries();
  for (int i = 0; i < 20; ++i) EXPECT_EQ(pool.run(r.expr("in turn")).value(), "in turn");
  EXPECT_EQ(first->queries() - first_before, 10);
  EXPECT_EQ(second->queries() - second_before, 10);

  second.reset();  // the server goes away: reads carry on with the other one
  for (int i = 0; i < 20; ++i) EXPECT_EQ(pool.run(r.expr("still here")).value(), "still here");
  EXPECT_EQ(pool.connected(), 1u);
}

TEST(Pool, SaysWhenNoServerCanBeReached) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  json handshake = rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json");
  int dead_port;
  {
    rsm::testing::ReplayServer gone(handshake);
    dead_port = gone.port();
  }
  Pool pool(pool_options(handshake, {"127.0.0.1:" + std::to_string(dead_port)}));
  auto started = std::chrono::steady_clock::now();
  try {
    pool.run(r.expr("x"));
    FAIL() << "expected ConnectionError";
  } catch (const ConnectionError& e) {
    EXPECT_NE(std::string(e.what()).find("no RethinkDB server reachable at 127.0.0.1:"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1500));
  EXPECT_THROW(Pool(pool_options(handshake, {"no-such-host.invalid:28015"})).run(r.expr("x")), ConnectionError);
}

TEST(PoolAsync, AnswersOnEveryServerAndCarriesOnWithoutOne) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  json handshake = rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json");
  auto first = std::make_unique<rsm::testing::ReplayServer>(handshake);
  auto second = std::make_unique<rsm::testing::ReplayServer>(handshake);
  Pool pool(pool_options(handshake, {seed(*first), seed(*second)}));
  std::vector<std::future<Cursor>> answers;
  for (int i = 0; i < 20; ++i)
    answers.push_back(pool.async_run(r.expr("q" + std::to_string(i)), {}, boost::asio::use_future));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(answers[static_cast<size_t>(i)].get().value(), "q" + std::to_string(i));
  // The pool's own thread connects to every server, while the queries go on.
  for (int i = 0; i < 100 && pool.connected() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(pool.connected(), 2u);

  // Queries in flight on a server that goes away (it closes their connection unanswered)
  // are read again on the other one.
  first->set_answer_delay(std::chrono::milliseconds(300));
  answers.clear();
  for (int i = 0; i < 6; ++i) answers.push_back(pool.async_run(r.expr("again"), {}, boost::asio::use_future));
  first.reset();
  for (auto& answer : answers) EXPECT_EQ(answer.get().value(), "again");
  EXPECT_EQ(pool.async_run(r.expr("still here"), {}, boost::asio::use_future).get().value(), "still here");
}

TEST(PoolAsync, NeverMakesTheCallerWaitToConnect) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  json handshake = rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json");
  rsm::testing::MuteListener hanging_server;
  Pool pool(pool_options(handshake, {"127.0.0.1:" + std::to_string(hanging_server.port())}));

  auto started = std::chrono::steady_clock::now();
  auto answer = pool.async_run(r.expr("x"), {}, boost::asio::use_future);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(200));
  EXPECT_THROW(answer.get(), ConnectionError);  // after connect_timeout (1 s)
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(3000));
}

TEST(PoolAsync, AServerThatHangsNeverHoldsUpQueriesOnTheOthers) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  json handshake = rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json");
  rsm::testing::ReplayServer healthy(handshake);
  rsm::testing::MuteListener hanging_server;  // each attempt to connect takes connect_timeout (1 s)
  Pool pool(pool_options(handshake, {seed(healthy), "127.0.0.1:" + std::to_string(hanging_server.port())}));
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(2500);
  int answered = 0;
  while (std::chrono::steady_clock::now() < until) {
    auto asked = std::chrono::steady_clock::now();
    EXPECT_EQ(pool.async_run(r.expr("quick"), {}, boost::asio::use_future).get().value(), "quick");
    EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::milliseconds(300));
    ++answered;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GT(answered, 50);
  EXPECT_EQ(pool.connected(), 1u);
}

TEST(PoolAsync, DestroyingThePoolFailsWhatIsInFlight) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  json handshake = rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json");
  rsm::testing::ReplayServer slow(handshake);
  std::vector<std::future<Cursor>> answers;
  {
    Pool pool(pool_options(handshake, {seed(slow)}));
    EXPECT_EQ(pool.async_run(r.expr("connected"), {}, boost::asio::use_future).get().value(), "connected");
    slow.set_answer_delay(std::chrono::milliseconds(500));
    for (int i = 0; i < 5; ++i) answers.push_back(pool.async_run(r.expr("late"), {}, boost::asio::use_future));
  }
  for (auto& answer : answers) EXPECT_THROW(answer.get(), ConnectionError);
}

TEST(PoolAsync, DestroyingThePoolWhileItConnectsFailsTheQueryItConnectsFor) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  json handshake = rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json");
  rsm::testing::ReplayServer slow(handshake);
  slow.set_answer_delay(std::chrono::milliseconds(1500));
  std::future<Cursor> answer;
  {
    Pool pool(pool_options(handshake, {seed(slow)}));
    // No connection yet: the pool's connecting thread connects, then starts the query,
    // most likely after the destructor began closing the connections it had.
    answer = pool.async_run(r.expr("late"), {}, boost::asio::use_future);
  }
  // Failed by the pool's end, not left to the server's answer (which would then reach a
  // pool that is gone).
  ASSERT_EQ(answer.wait_for(std::chrono::milliseconds(500)), std::future_status::ready);
  EXPECT_THROW(answer.get(), ConnectionError);
}

TEST(PoolAsync, SaysWhenNoServerCanBeReached) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  json handshake = rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json");
  Pool pool(pool_options(handshake, {"no-such-host.invalid:28015"}));
  try {
    pool.async_run(r.expr("x"), {}, boost::asio::use_future).get();
    FAIL() << "expected ConnectionError";
  } catch (const ConnectionError& e) {
    EXPECT_NE(std::string(e.what()).find("no RethinkDB server reachable at no-such-host.invalid:28015"),
              std::string::npos)
        << e.what();
  }
}

// Two servers the pool is connected to, that answer `after` a query comes in, having
// answered enough reads for the pool to know how long answers take.
struct TwoServers {
  explicit TwoServers(const json& handshake, std::chrono::milliseconds after = std::chrono::milliseconds(0),
                      std::chrono::milliseconds read_timeout = std::chrono::milliseconds(2000))
      : first(handshake), second(handshake), pool([&] {
          first.set_answer_delay(after);
          second.set_answer_delay(after);
          auto options = pool_options(handshake, {seed(first), seed(second)});
          options.connection.read_timeout = read_timeout;
          return options;
        }()) {
    EXPECT_EQ(pool.run(r.expr("warm")).value(), "warm");
    // The pool's own thread connects to the second server meanwhile.
    for (int i = 0; i < 250 && pool.connected() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(pool.connected(), 2u);
    for (int i = 0; i < 40; ++i) EXPECT_EQ(pool.run(r.expr("warm")).value(), "warm");
  }
  rsm::testing::ReplayServer first, second;
  Pool pool;
};

TEST(PoolHedging, AReadOnASilentServerIsAnsweredByAnotherAtOnce) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  json handshake = rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json");
  TwoServers cluster(handshake);
  EXPECT_LE(cluster.pool.hedge_delay(), std::chrono::milliseconds(200));  // 10 ms on 127.0.0.1, unless busy

  cluster.first.set_silent(true);  // frozen: the connection stays open, nothing comes back
  std::vector<std::future<Cursor>> answers;
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) answers.push_back(cluster.pool.async_run(r.expr("q"), {}, boost::asio::use_future));
  for (auto& answer : answers) EXPECT_EQ(answer.get().value(), "q");
  for (int i = 0; i < 20; ++i) EXPECT_EQ(cluster.pool.run(r.expr("sync")).value(), "sync");
  // Without hedging, half of them would have waited for read_timeout (2 s).
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1500));
  EXPECT_GE(cluster.pool.hedged_reads(), 1u);
  // Once it has lost a hedge the silent server is passed over: the reads sent after that
  // went to the other server alone.
  EXPECT_LE(cluster.pool.hedged_reads(), 12u);

  // Back again: the read it is given once a second is answered, and it takes its turn.
  cluster.first.set_silent(false);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(cluster.pool.run(r.expr("probe")).value(), "probe");
  int before = cluster.first.queries();
  for (int i = 0; i < 20; ++i) EXPECT_EQ(cluster.pool.run(r.expr("again")).value(), "again");
  EXPECT_GE(cluster.first.queries() - before, 8);
}

TEST(PoolHedging, NoReadIsHedgedWhileAnswersComeInTime) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  json handshake = rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json");
  TwoServers cluster(handshake, std::chrono::milliseconds(40));
  int sent_before = cluster.first.queries() + cluster.second.queries();
  size_t hedged_before = cluster.pool.hedged_reads();
  for (int round = 0; round < 8; ++round) {
    std::vector<std::future<Cursor>> answers;
    for (int i = 0; i < 8; ++i) answers.push_back(cluster.pool.async_run(r.expr("x"), {}, boost::asio::use_future));
    for (auto& answer : answers) EXPECT_EQ(answer.get().value(), "x");
  }
  EXPECT_GE(cluster.pool.hedge_delay(), std::chrono::milliseconds(100));
  EXPECT_EQ(cluster.pool.hedged_reads(), hedged_before);
  EXPECT_EQ(cluster.first.queries() + cluster.second.queries() - sent_before, 64);
}

TEST(PoolHedging, WritesAreNeverSentTwice) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  json handshake = rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json");
  TwoServers cluster(handshake, std::chrono::milliseconds(0), std::chrono::milliseconds(500));
  cluster.first.set_silent(true);
  int sent_before = cluster.first.queries() + cluster.second.queries();
  std::vector<std::future<Cursor>> answers;
  for (int i = 0; i < 6; ++i)
    answers.push_back(cluster.pool.async_run(r.table("t").insert(json{{"id", i}}), {}, boost::asio::use_future));
  int timed_out = 0;
  for (auto& answer : answers) {
    try {
      answer.get();
    } catch (const ConnectionError&) {
      ++timed_out;            // the silent server's: not sent again, the write may have been performed
    } catch (const Error&) {  // the stand-in's answer to a query it has no recording of
    }
  }
  EXPECT_GE(timed_out, 1);
  EXPECT_EQ(cluster.first.queries() + cluster.second.queries() - sent_before, 6);
  EXPECT_EQ(cluster.pool.hedged_reads(), 0u);
}

TEST(Pool, RetriesOnlyWhatCannotChangeAnything) {
  EXPECT_TRUE(Pool::is_read(r.table("t").get(1)));
  EXPECT_TRUE(Pool::is_read(r.table("t").filter(r.row["a"] > 1).map([](Term x) { return x["b"]; })));
  EXPECT_TRUE(Pool::is_read(r.expr("Hello from Rethink")));
  EXPECT_FALSE(Pool::is_read(r.table("t").insert(json{{"a", 1}})));
  EXPECT_FALSE(Pool::is_read(r.table("t").get(1).update(json{{"a", 2}})));
  EXPECT_FALSE(Pool::is_read(r.table("t").for_each([](Term x) { return r.table("u").insert(x); })));
  EXPECT_FALSE(Pool::is_read(r.db("app").table("t").reconfigure({{"replicas", 3}, {"shards", 1}})));
  EXPECT_FALSE(Pool::is_read(r.table("t").changes()));
}

TEST(Pool, ReadsSeeds) {
  EXPECT_EQ(Pool::split_seed("db:28015"), std::make_pair(std::string("db"), 28015));
  EXPECT_EQ(Pool::split_seed("db"), std::make_pair(std::string("db"), 28015));
  EXPECT_EQ(Pool::split_seed("[::1]:29000"), std::make_pair(std::string("::1"), 29000));
  EXPECT_EQ(Pool::split_seed("::1"), std::make_pair(std::string("::1"), 28015));
}
