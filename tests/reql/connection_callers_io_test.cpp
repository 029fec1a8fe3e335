// Connections and pools on the caller's io_context (ConnectOptions::io_context): queries
// go out and answers come back on the thread that runs it, deadlines still hold, and
// closing or destroying them (even with the io_context stopped) fails what waits and
// leaks nothing (LeakSanitizer in CI).
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <future>
#include <thread>

#include "replay_server.h"
#include "reql/connection.h"
#include "reql/errors.h"
#include "reql/pool.h"
#include "support/fixtures.h"
#include "support/ports.h"

using namespace reql;
using nlohmann::json;
namespace asio = boost::asio;

namespace {

// An io_context run by a thread of the test's: the caller's io_context of an app.
class CallersIo {
 public:
  CallersIo() : thread_([this] { io_.run(); }) {}
  ~CallersIo() { stop(); }
  void stop() {
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  asio::io_context& io() { return io_; }
  std::thread::id thread_id() const { return thread_.get_id(); }

 private:
  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::thread thread_;
};

ConnectOptions options_on(CallersIo& io, const rsm::testing::ReplayServer& server, std::chrono::milliseconds timeout) {
  return {.host = "127.0.0.1", .port = server.port(), .read_timeout = timeout, .io_context = &io.io()};
}

}  // namespace

TEST(CallersIo, AnswersComeBackOnTheCallersThread) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  rsm::testing::ReplayServer server(rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json"));
  CallersIo io;
  auto conn = Connection::connect(options_on(io, server, std::chrono::milliseconds(5000)));
  constexpr int kQueries = 500;
  std::atomic<int> right{0}, elsewhere{0};
  std::promise<void> all_done;
  std::atomic<int> done{0};
  // Started from the io_context's thread, as an app's request handlers would.
  asio::post(io.io(), [&] {
    for (int i = 0; i < kQueries; ++i) {
      std::string text = "query " + std::to_string(i);
      conn->async_run(r.expr(text), {}, [&, text](std::exception_ptr error, Cursor cursor) {
        right += !error && cursor.value() == text;
        elsewhere += std::this_thread::get_id() != io.thread_id();
        if (++done == kQueries) all_done.set_value();
      });
    }
  });
  ASSERT_EQ(all_done.get_future().wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_EQ(right, kQueries);
  EXPECT_EQ(elsewhere, 0);
  // Blocking calls work from other threads.
  EXPECT_EQ(conn->run(r.expr("blocking")).value(), "blocking");
}

TEST(CallersIo, DeadlinesHoldAndClosingFailsWhatWaits) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  rsm::testing::ReplayServer server(rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json"));
  CallersIo io;
  auto conn = Connection::connect(options_on(io, server, std::chrono::milliseconds(300)));
  auto started = std::chrono::steady_clock::now();
  auto silent = conn->async_run(r.expr("ignore"), {}, asio::use_future);
  EXPECT_THROW(silent.get(), ConnectionError);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1500));
  EXPECT_EQ(conn->async_run(r.expr("after"), {}, asio::use_future).get().value(), "after");

  auto long_wait = Connection::connect(options_on(io, server, std::chrono::milliseconds(60000)));
  auto waiting = long_wait->async_run(r.expr("ignore"), {}, asio::use_future);
  long_wait->close();
  EXPECT_EQ(waiting.wait_for(std::chrono::seconds(2)), std::future_status::ready);
  EXPECT_THROW(waiting.get(), ConnectionError);
  EXPECT_FALSE(long_wait->is_open());
}

TEST(CallersIo, ConnectingGivesUpAtItsDeadline) {
  rsm::testing::MuteListener silent_server;  // takes the connection, never says hello
  CallersIo io;
  auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(Connection::connect({.host = "127.0.0.1",
                                    .port = silent_server.port(),
                                    .connect_timeout = std::chrono::milliseconds(300),
                                    .io_context = &io.io()}),
               ConnectionError);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1500));
}

TEST(CallersIo, AConnectionOutlivingItsRunningIoContextIsClosedCleanly) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  rsm::testing::ReplayServer server(rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json"));
  CallersIo io;
  auto conn = Connection::connect(options_on(io, server, std::chrono::milliseconds(60000)));
  auto waiting = conn->async_run(r.expr("ignore"), {}, asio::use_future);
  io.stop();  // nobody runs the io_context any more, as when an app has stopped serving
  // A query in flight holds its connection: closing it is what ends the wait (as a pool's
  // end does), and then nothing is left behind once the io_context goes.
  conn->close();
  conn.reset();
  EXPECT_THROW(waiting.get(), ConnectionError);
}

TEST(CallersIo, APoolAnswersOnTheCallersThreadAndFailsWhatIsInFlightWhenDestroyed) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  json handshake = rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json");
  rsm::testing::ReplayServer server(handshake);
  CallersIo io;
  PoolOptions options;
  options.seeds = {"127.0.0.1:" + std::to_string(server.port())};
  options.connection = options_on(io, server, std::chrono::milliseconds(60000));
  std::vector<std::future<Cursor>> late;
  {
    Pool pool(options);
    std::promise<std::pair<std::string, bool>> answer;
    asio::post(io.io(), [&] {
      pool.async_run(r.expr("pooled"), {}, [&](std::exception_ptr error, Cursor cursor) {
        if (error) return answer.set_exception(error);
        answer.set_value({cursor.value().get<std::string>(), std::this_thread::get_id() == io.thread_id()});
      });
    });
    auto [text, on_callers_thread] = answer.get_future().get();
    EXPECT_EQ(text, "pooled");
    EXPECT_TRUE(on_callers_thread);
    for (int i = 0; i < 5; ++i) late.push_back(pool.async_run(r.expr("ignore"), {}, asio::use_future));
  }
  for (auto& answer : late) EXPECT_THROW(answer.get(), ConnectionError);
}
