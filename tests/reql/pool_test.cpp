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
  EXPECT_EQ(pool.connected(), 2u);
  EXPECT_EQ(first->connections(), 1);
  EXPECT_EQ(second->connections(), 1);

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
