// The cluster-aware pool against replay servers on 127.0.0.1 that come and go.
#include "reql/pool.h"

#include <gtest/gtest.h>

#include "reql/errors.h"
#include "replay_server.h"
#include "support/fixtures.h"

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
