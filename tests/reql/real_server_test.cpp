// The driver against a real RethinkDB. RSM_TEST_RETHINKDB says which:
//   host:port            a running server whose admin has an empty password
//   /path/to/rethinkdb   a server binary, started here on free ports in a temporary folder
//   an image name        e.g. rethinkdb:2.4.4-bookworm-slim, run with the docker CLI
// Without it every test here is skipped, saying so.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <thread>

#include <boost/asio/use_future.hpp>

#include "reql/connection.h"
#include "reql/errors.h"
#include "reql/pool.h"
#include "support/ports.h"
#include "util/subprocess.h"

using namespace reql;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The server under test, started (and stopped) here when RSM_TEST_RETHINKDB asks for it.
class RealServer {
 public:
  static RealServer* get() {
    static std::unique_ptr<RealServer> server = start();
    return server.get();
  }
  static std::string missing_reason() {
    return "no RethinkDB to test against: set RSM_TEST_RETHINKDB to host:port, a rethinkdb binary or an image";
  }
  ~RealServer() {
    if (!container_.empty()) rsm::run_process({"docker", "rm", "-f", container_});
    process_.reset();
    if (!directory_.empty()) fs::remove_all(directory_);
  }

  ConnectOptions options() const { return {.host = host_, .port = port_, .connect_timeout = std::chrono::seconds(5)}; }

 private:
  static std::unique_ptr<RealServer> start() {
    const char* spec = std::getenv("RSM_TEST_RETHINKDB");
    if (!spec || !*spec) return nullptr;
    auto server = std::unique_ptr<RealServer>(new RealServer);
    std::string text = spec;
    auto colon = text.rfind(':');
    bool is_address = colon != std::string::npos && text.find('/') == std::string::npos &&
                      text.find_first_not_of("0123456789", colon + 1) == std::string::npos;
    if (is_address) {
      server->host_ = text.substr(0, colon);
      server->port_ = std::stoi(text.substr(colon + 1));
    } else if (fs::exists(text)) {
      server->directory_ = fs::temp_directory_path() / ("rsm-rethinkdb-" + std::to_string(getpid()));
      server->port_ = rsm::testing::free_port();
      // Cluster ports in the kernel's ephemeral range once crashed a server: stay below 32768.
      int cluster_port = 20000 + getpid() % 10000;
      server->process_ = std::make_unique<rsm::Subprocess>(rsm::Subprocess::spawn(
          {text, "--directory", server->directory_.string(), "--bind", "127.0.0.1", "--driver-port",
           std::to_string(server->port_), "--cluster-port", std::to_string(cluster_port), "--no-http-admin"}));
    } else {
      server->container_ = "rsm-test-rethinkdb-" + std::to_string(getpid());
      auto run =
          rsm::run_process({"docker", "run", "-d", "--name", server->container_, "-p", "127.0.0.1::28015", text});
      if (run.exit_code != 0) throw std::runtime_error("cannot start image " + text + ": " + run.output);
      auto port = rsm::run_process({"docker", "port", server->container_, "28015/tcp"});
      server->port_ = std::stoi(port.output.substr(port.output.rfind(':') + 1));
    }
    // Wait until it takes connections.
    for (int i = 0; i < 150; ++i) {
      try {
        Connection::connect(server->options())->server_info();
        return server;
      } catch (const Error&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
    throw std::runtime_error("the RethinkDB server of RSM_TEST_RETHINKDB=" + text + " did not start in 30 s");
  }

  std::string host_ = "127.0.0.1";
  int port_ = 28015;
  fs::path directory_;
  std::string container_;
  std::unique_ptr<rsm::Subprocess> process_;
};

class RealServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = RealServer::get();
    if (!server_) GTEST_SKIP() << RealServer::missing_reason();
    conn_ = Connection::connect(server_->options());
    db_ = "rsm_driver_test_" + std::to_string(getpid());
    conn_->run(r.branch(r.db_list().contains(db_), nullptr, r.db_create(db_)));
  }
  void TearDown() override {
    if (conn_ && conn_->is_open()) conn_->run(r.branch(r.db_list().contains(db_), r.db_drop(db_), nullptr));
  }

  RealServer* server_ = nullptr;
  std::shared_ptr<Connection> conn_;
  std::string db_;
};

}  // namespace

TEST_F(RealServerTest, AnswersTheSampleAppsQuery) {
  EXPECT_EQ(conn_->run(r.expr("Hello from Rethink")).value(), "Hello from Rethink");
  EXPECT_FALSE(conn_->server_version().empty());
  EXPECT_TRUE(conn_->server_info().contains("name"));
}

TEST_F(RealServerTest, WritesReadsAndStreamsInBatches) {
  conn_->run(r.db(db_).table_create("docs"));
  json documents = json::array();
  for (int i = 0; i < 3000; ++i) documents.push_back({{"id", i}, {"n", i % 7}, {"pad", std::string(200, 'x')}});
  auto inserted = conn_->run(r.db(db_).table("docs").insert(documents, {{"durability", "soft"}})).value();
  EXPECT_EQ(inserted["inserted"], 3000);

  // A table scan comes in several batches: the cursor must CONTINUE until the end.
  int rows = 0;
  for (auto cursor = conn_->run(r.table("docs"), {{"db", db_}}); auto row = cursor.next();) ++rows;
  EXPECT_EQ(rows, 3000);
  EXPECT_EQ(conn_->run(r.db(db_).table("docs").filter(r.row["n"] == 6).count()).value(),
            428);  // i % 7 == 6 for i < 3000
  EXPECT_EQ(conn_->run(r.db(db_).table("docs").get(42)["n"]).value(), 0);
  auto grouped = conn_->run(r.db(db_).table("docs").group("n").count()).value();
  ASSERT_EQ(grouped.size(), 7u);
  EXPECT_EQ(grouped[0]["reduction"], 429);

  // Stopping a stream half-way leaves the connection usable.
  {
    auto cursor = conn_->run(r.db(db_).table("docs"));
    ASSERT_TRUE(cursor.next().has_value());
  }
  EXPECT_EQ(conn_->run(r.expr(1) + 1).value(), 2);
}

TEST_F(RealServerTest, ReportsErrorsWithTheirTypes) {
  EXPECT_THROW(conn_->run(r.db(db_).table("missing")), OpFailedError);
  EXPECT_THROW(conn_->run(r.error("boom")), UserError);
  EXPECT_THROW(conn_->run(r.expr(json{{"a", 1}})["b"]), NonExistenceError);
  EXPECT_THROW(conn_->run(r.expr(1) + "a"), QueryLogicError);
  try {
    conn_->run(r.error("boom"));
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(), "boom");
  }
}

TEST_F(RealServerTest, DeliversChangefeeds) {
  conn_->run(r.db(db_).table_create("feed"));
  auto feed = conn_->run(r.db(db_).table("feed").changes());
  EXPECT_TRUE(feed.is_feed());
  auto writer = Connection::connect(server_->options());
  writer->run(r.db(db_).table("feed").insert(json{{"id", "a"}, {"v", 1}}));
  auto change = feed.next();
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ((*change)["new_val"]["v"], 1);
  feed.close();
  EXPECT_EQ(conn_->run(r.expr("after the feed")).value(), "after the feed");
}

TEST_F(RealServerTest, RunsManyQueriesInFlightOnOneConnection) {
  std::vector<std::thread> threads;
  std::atomic<int> right{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i)
        if (conn_->run(r.expr(i) * 2).value() == i * 2) ++right;
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(right, 800);
}

TEST_F(RealServerTest, PoolRunsManyQueriesWithoutBlocking) {
  PoolOptions options;
  options.connection = server_->options();
  options.seeds = {options.connection.host + ":" + std::to_string(options.connection.port)};
  Pool pool(options);
  std::vector<std::future<Cursor>> answers;
  for (int i = 0; i < 200; ++i) answers.push_back(pool.async_run(r.expr(i) * 2, {}, boost::asio::use_future));
  int right = 0;
  for (int i = 0; i < 200; ++i) right += answers[static_cast<size_t>(i)].get().value() == i * 2;
  EXPECT_EQ(right, 200);
  EXPECT_EQ(pool.connected(), 1u);
}

TEST_F(RealServerTest, AuthenticatesUsersAndRefusesWrongPasswords) {
  std::string user = "rsm_test_" + std::to_string(getpid());
  conn_->run(r.db("rethinkdb").table("users").insert(json{{"id", user}, {"password", "s3cret"}}));
  // The user goes again even when a check below fails: the server may be someone's.
  struct RemoveUser {
    Connection& conn;
    std::string user;
    ~RemoveUser() {
      try {
        conn.run(r.db("rethinkdb").table("users").get(user).delete_());
      } catch (const Error& e) {
        ADD_FAILURE() << "cannot remove the test user " << user << ": " << e.what();
      }
    }
  } remove_user{*conn_, user};
  auto options = server_->options();
  options.user = user;
  options.password = "s3cret";
  EXPECT_EQ(Connection::connect(options)->run(r.expr("hi")).value(), "hi");
  options.password = "wrong";
  try {
    Connection::connect(options);
    FAIL() << "a wrong password was accepted";
  } catch (const AuthError& e) {
    EXPECT_EQ(e.code(), 12);
  }
  options.user = "nobody_" + user;
  try {
    Connection::connect(options);
    FAIL() << "an unknown user was accepted";
  } catch (const AuthError& e) {
    EXPECT_EQ(e.code(), 17);
  }
}

TEST_F(RealServerTest, NoreplyQueriesAreDoneAfterNoreplyWait) {
  conn_->run(r.db(db_).table_create("quiet"));
  for (int i = 0; i < 50; ++i) conn_->run(r.db(db_).table("quiet").insert(json{{"id", i}}), {{"noreply", true}});
  conn_->noreply_wait();
  EXPECT_EQ(conn_->run(r.db(db_).table("quiet").count()).value(), 50);
}
