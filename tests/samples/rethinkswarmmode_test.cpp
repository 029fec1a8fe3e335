// The sample app (rethinkswarmmode) as its users meet it: over HTTP, against a database
// that answers, goes away, comes back or is slow, and stopped with SIGTERM; and built as
// one static binary that runs in a FROM scratch image on the real engine.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "engine/client.h"
#include "engine/image_transfer.h"
#include "reql/replay_server.h"
#include "support/fixtures.h"
#include "support/ports.h"
#include "support/test_images.h"
#include "util/subprocess.h"
#include "util/tar_writer.h"

namespace fs = std::filesystem;
using nlohmann::json;
using rsm::testing::free_port;
using rsm::testing::ReplayServer;

namespace {

const std::string kSeedAnswer = "Hello, \"/bar\" 0.1\nHello from Rethink\n";

struct HttpAnswer {
  int status = 0;
  std::string body;
};

HttpAnswer http_get(int port, const std::string& path) {
  auto result = rsm::run_process(
      {"curl", "-s", "--max-time", "10", "-w", "\n%{http_code}", "http://127.0.0.1:" + std::to_string(port) + path});
  auto cut = result.output.rfind('\n');
  if (cut == std::string::npos) return {};
  return {std::atoi(result.output.c_str() + cut + 1), result.output.substr(0, cut)};
}

// A raw TCP connection to the app (to see the bytes of keep-alive exchanges); -1 if refused.
int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  timeval limit{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Polls until the app answers at all.
bool wait_for_app(int port) {
  for (int i = 0; i < 100; ++i) {
    if (http_get(port, "/healthz").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

class App {
 public:
  // `environment`: more VARIABLE=value settings.
  App(int port, const std::string& database, const std::string& password_file = "",
      const std::vector<std::string>& environment = {})
      : port_(port) {
    std::vector<std::string> argv{"env", "PORT=" + std::to_string(port), "RETHINKDB_HOSTS=" + database};
    if (!password_file.empty()) argv.push_back("RETHINKDB_PASSWORD_FILE=" + password_file);
    argv.insert(argv.end(), environment.begin(), environment.end());
    argv.push_back(RETHINKSWARMMODE_BINARY);
    process_ = std::make_unique<rsm::Subprocess>(rsm::Subprocess::spawn(argv));
    EXPECT_TRUE(wait_for_app(port)) << "the app did not start";
  }
  int port() const { return port_; }
  // SIGTERM, then the exit code (or -1 when it did not exit within 10 s).
  int terminate_and_wait() {
    kill(process_->pid(), SIGTERM);
    for (int i = 0; i < 200; ++i) {
      if (auto code = process_->try_wait()) return *code;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }

 private:
  int port_;
  std::unique_ptr<rsm::Subprocess> process_;
};

json handshake_or_skip(bool& skip) {
  auto fixtures = rsm::testing::reql_fixtures();
  skip = !fixtures;
  return fixtures ? rsm::testing::read_json(*fixtures / "handshake" / "admin_empty_password.json") : json();
}

}  // namespace

TEST(SampleApp, AnswersTheSeedsTwoLinesWithThePasswordFromASecretFile) {
  bool skip = false;
  json handshake = handshake_or_skip(skip);
  if (skip) GTEST_SKIP() << rsm::testing::reql_fixtures_missing_reason();
  ReplayServer database(handshake, "s3cret");
  auto secret = fs::temp_directory_path() / ("rsm-app-secret-" + std::to_string(getpid()));
  std::ofstream(secret) << "s3cret\n";
  App app(free_port(), "127.0.0.1:" + std::to_string(database.port()), secret.string());
  HttpAnswer bar = http_get(app.port(), "/bar");
  EXPECT_EQ(bar.status, 200);
  EXPECT_EQ(bar.body, kSeedAnswer);
  EXPECT_EQ(http_get(app.port(), "/readyz").status, 200);
  EXPECT_EQ(http_get(app.port(), "/healthz").body, "ok\n");
  EXPECT_EQ(http_get(app.port(), "/elsewhere").status, 404);
  // HEAD: GET's headers without the body, and the connection still good for a GET after it.
  int client = connect_to(app.port());
  std::string asked = "HEAD /bar HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(send(client, asked.data(), asked.size(), 0), static_cast<ssize_t>(asked.size()));
  std::string answered;
  char buffer[4096];
  while (answered.find("\r\n\r\nok\n") == std::string::npos) {
    ssize_t n = recv(client, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    answered.append(buffer, static_cast<size_t>(n));
  }
  close(client);
  EXPECT_NE(answered.find("Content-Length: " + std::to_string(kSeedAnswer.size())), std::string::npos) << answered;
  EXPECT_EQ(answered.find("Hello from Rethink"), std::string::npos) << answered;
  EXPECT_NE(answered.find("\r\n\r\nok\n"), std::string::npos) << answered;
  EXPECT_EQ(app.terminate_and_wait(), 0);
  fs::remove(secret);
}

TEST(SampleApp, Answers503WhileTheDatabaseIsAwayAndRecoversByItself) {
  bool skip = false;
  json handshake = handshake_or_skip(skip);
  if (skip) GTEST_SKIP() << rsm::testing::reql_fixtures_missing_reason();
  int database_port = free_port();
  App app(free_port(), "127.0.0.1:" + std::to_string(database_port));
  HttpAnswer away = http_get(app.port(), "/bar");
  EXPECT_EQ(away.status, 503);
  EXPECT_EQ(away.body.rfind("database unavailable: ", 0), 0u) << away.body;
  EXPECT_EQ(std::count(away.body.begin(), away.body.end(), '\n'), 1) << away.body;
  EXPECT_EQ(http_get(app.port(), "/readyz").status, 503);
  EXPECT_EQ(http_get(app.port(), "/healthz").status, 200);  // alive all the same

  ReplayServer database(handshake, "", database_port);  // the database comes back
  bool recovered = false;
  for (int i = 0; i < 100 && !recovered; ++i) {
    recovered = http_get(app.port(), "/bar").body == kSeedAnswer;
    if (!recovered) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(recovered) << "the app did not reconnect within 10 s";
  EXPECT_EQ(app.terminate_and_wait(), 0);
}

TEST(SampleApp, BarNeverFailsWhileAnotherServerAnswers) {
  // Two servers; one of them falls silent (frozen: its connections stay open and nothing
  // comes back). Every /bar is answered at once by the other one.
  bool skip = false;
  json handshake = handshake_or_skip(skip);
  if (skip) GTEST_SKIP() << rsm::testing::reql_fixtures_missing_reason();
  ReplayServer first(handshake), second(handshake);
  App app(free_port(), "127.0.0.1:" + std::to_string(first.port()) + ",127.0.0.1:" + std::to_string(second.port()), "",
          {"WORKERS=1"});
  for (int i = 0; i < 40; ++i) EXPECT_EQ(http_get(app.port(), "/bar").body, kSeedAnswer);
  first.set_silent(true);
  for (int i = 0; i < 40; ++i) {
    auto asked = std::chrono::steady_clock::now();
    HttpAnswer answer = http_get(app.port(), "/bar");
    EXPECT_EQ(answer.status, 200) << answer.body;
    EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::milliseconds(1000));
  }
  EXPECT_EQ(app.terminate_and_wait(), 0);
}

TEST(SampleApp, StaysHealthyWhileTheDatabaseHangs) {
  // A database that takes the connection and never answers: /bar waits for the driver's
  // connect timeout (2 s) and then says 503, and meanwhile the app answers everything else
  // at once (a swarm health check on /healthz must not fail because the database hangs).
  rsm::testing::MuteListener hanging_database;
  App app(free_port(), "127.0.0.1:" + std::to_string(hanging_database.port()));
  auto started = std::chrono::steady_clock::now();
  auto bar = std::async(std::launch::async, [&] { return http_get(app.port(), "/bar"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (int i = 0; i < 5; ++i) {
    auto asked = std::chrono::steady_clock::now();
    EXPECT_EQ(http_get(app.port(), "/healthz").status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::milliseconds(500));
  }
  HttpAnswer waited = bar.get();
  EXPECT_EQ(waited.status, 503);
  EXPECT_EQ(waited.body.rfind("database unavailable: ", 0), 0u) << waited.body;
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1500));
  EXPECT_EQ(app.terminate_and_wait(), 0);
}

TEST(SampleApp, FinishesRequestsInFlightOnSigterm) {
  bool skip = false;
  json handshake = handshake_or_skip(skip);
  if (skip) GTEST_SKIP() << rsm::testing::reql_fixtures_missing_reason();
  ReplayServer database(handshake);
  App app(free_port(), "127.0.0.1:" + std::to_string(database.port()));
  EXPECT_EQ(http_get(app.port(), "/bar").status, 200);  // connected
  database.set_answer_delay(std::chrono::milliseconds(800));
  auto slow = std::async(std::launch::async, [&] { return http_get(app.port(), "/bar"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto stopped = std::chrono::steady_clock::now();
  EXPECT_EQ(app.terminate_and_wait(), 0);
  HttpAnswer answer = slow.get();
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, kSeedAnswer);
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, std::chrono::seconds(3));
}

TEST(SampleApp, SpreadsConnectionsOverItsWorkersAndDrainsEveryOneOnSigterm) {
  bool skip = false;
  json handshake = handshake_or_skip(skip);
  if (skip) GTEST_SKIP() << rsm::testing::reql_fixtures_missing_reason();
  ReplayServer database(handshake);
  database.set_answer_delay(std::chrono::milliseconds(800));
  App app(free_port(), "127.0.0.1:" + std::to_string(database.port()), "", {"WORKERS=3"});
  // Twelve requests at once, each on a connection of its own, all waiting for the database
  // when SIGTERM comes. Each worker has its own pool, which connects on its first request:
  // the database's connections count the workers that served (all twelve on one of three
  // workers would happen once in 180,000 runs).
  std::vector<std::future<HttpAnswer>> asked;
  for (int i = 0; i < 12; ++i)
    asked.push_back(std::async(std::launch::async, [&] { return http_get(app.port(), "/bar"); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(app.terminate_and_wait(), 0);
  for (auto& answer : asked) {
    HttpAnswer got = answer.get();
    EXPECT_EQ(got.status, 200);
    EXPECT_EQ(got.body, kSeedAnswer);
  }
  EXPECT_GE(database.connections(), 2);
  EXPECT_LE(database.connections(), 3);
}

TEST(SampleApp, OneWorkerDoesNotShareItsPortWithAnotherProcess) {
  App app(free_port(), "127.0.0.1:1", "", {"WORKERS=1"});
  auto second = rsm::run_process({"env", "PORT=" + std::to_string(app.port()), "WORKERS=1", RETHINKSWARMMODE_BINARY});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.output.find("cannot listen on port " + std::to_string(app.port())), std::string::npos)
      << second.output;
  EXPECT_EQ(app.terminate_and_wait(), 0);
}

TEST(SampleApp, ClosesIdleConnectionsOnSigtermInsteadOfWaitingForThem) {
  App app(free_port(), "127.0.0.1:1");
  // A keep-alive client that asked once and stays connected, saying nothing more.
  int client = connect_to(app.port());
  std::string ask = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(send(client, ask.data(), ask.size(), 0), static_cast<ssize_t>(ask.size()));
  char answer[512];
  ASSERT_GT(recv(client, answer, sizeof answer, 0), 0);
  auto stopped = std::chrono::steady_clock::now();
  EXPECT_EQ(app.terminate_and_wait(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, std::chrono::seconds(2)) << "it waited for the idle connection";
  EXPECT_EQ(recv(client, answer, sizeof answer, 0), 0) << "the connection was not closed";
  close(client);
}

TEST(SampleApp, ClosesKeepAliveConnectionsQuietForTheIdleTimeout) {
  App app(free_port(), "127.0.0.1:1", "", {"IDLE_TIMEOUT=1"});
  int client = connect_to(app.port());
  std::string ask = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(send(client, ask.data(), ask.size(), 0), static_cast<ssize_t>(ask.size()));
  char answer[512];
  ASSERT_GT(recv(client, answer, sizeof answer, 0), 0);
  auto answered = std::chrono::steady_clock::now();
  EXPECT_EQ(recv(client, answer, sizeof answer, 0), 0) << "the quiet connection was not closed";
  auto quiet = std::chrono::steady_clock::now() - answered;
  EXPECT_GE(quiet, std::chrono::milliseconds(900));
  EXPECT_LT(quiet, std::chrono::seconds(3));
  close(client);
  EXPECT_EQ(app.terminate_and_wait(), 0);
}

TEST(SampleApp, WaitingForASlowDatabaseIsNotIdle) {
  bool skip = false;
  json handshake = handshake_or_skip(skip);
  if (skip) GTEST_SKIP() << rsm::testing::reql_fixtures_missing_reason();
  ReplayServer database(handshake);
  App app(free_port(), "127.0.0.1:" + std::to_string(database.port()), "", {"IDLE_TIMEOUT=1"});
  EXPECT_EQ(http_get(app.port(), "/bar").status, 200);  // connected
  database.set_answer_delay(std::chrono::milliseconds(1600));
  HttpAnswer answer = http_get(app.port(), "/bar");
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, kSeedAnswer);
  EXPECT_EQ(app.terminate_and_wait(), 0);
}

TEST(SampleApp, RefusesBadSettingsInOneLine) {
  for (std::string setting : {"PORT=0", "PORT=http", "IDLE_TIMEOUT=0", "IDLE_TIMEOUT=soon", "WORKERS=0", "WORKERS=all",
                              "HEDGED_READS=yes", "RETHINKDB_PASSWORD_FILE=/nonexistent"}) {
    auto result = rsm::run_process({"env", setting, RETHINKSWARMMODE_BINARY});
    EXPECT_EQ(result.exit_code, 1) << setting;
    EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << setting << ": " << result.output;
    EXPECT_NE(result.output.find(setting.substr(0, setting.find('='))), std::string::npos) << result.output;
  }
}

TEST(SampleApp, HealthcheckModeSaysWhetherTheAppAnswers) {
  int port = free_port();
  auto check = [&] {
    return rsm::run_process({"env", "PORT=" + std::to_string(port), RETHINKSWARMMODE_BINARY, "healthcheck"}).exit_code;
  };
  EXPECT_EQ(check(), 1) << "nothing listens yet";
  {
    App app(port, "127.0.0.1:1");  // no database: still alive, so healthy
    EXPECT_EQ(check(), 0);
    EXPECT_EQ(rsm::run_process({"env", "PORT=" + std::to_string(port), "RSM_HEALTH_PATH=/nowhere",
                                RETHINKSWARMMODE_BINARY, "healthcheck"})
                  .exit_code,
              1)
        << "it asks the path rsm gives it";
    EXPECT_EQ(app.terminate_and_wait(), 0);
  }
  EXPECT_EQ(rsm::run_process({RETHINKSWARMMODE_BINARY, "bogus"}).exit_code, 2);
}

TEST(SampleApp, BuildsIntoOneStaticBinaryThatRunsFromScratch) {
  bool skip = false;
  json handshake = handshake_or_skip(skip);
  if (skip) GTEST_SKIP() << rsm::testing::reql_fixtures_missing_reason();
  // Built on its own, as `rsm build` will: the sample's CMake project with the static switch.
  auto out = fs::temp_directory_path() / ("rsm-static-app-" + std::to_string(getpid()));
  auto configure =
      rsm::run_process({"cmake", "-S", std::string(RSM_SOURCE_DIR) + "/samples/rethinkswarmmode", "-B", out.string(),
                        "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release", "-DRETHINKSWARMMODE_STATIC=ON"});
  ASSERT_EQ(configure.exit_code, 0) << configure.output;
  auto build = rsm::run_process({"cmake", "--build", out.string()});
  ASSERT_EQ(build.exit_code, 0) << build.output;
  auto binary = out / "rethinkswarmmode";
  EXPECT_NE(rsm::run_process({"ldd", binary.string()}).output.find("not a dynamic executable"), std::string::npos);

  rsm::engine::Client engine(rsm::engine::Endpoint::from_environment());
  std::ifstream in(binary, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  rsm::TarWriter context;
  context.add_file(
      "Dockerfile",
      "FROM scratch\nCOPY rethinkswarmmode /rethinkswarmmode\nEXPOSE 9090\nENTRYPOINT [\"/rethinkswarmmode\"]\n");
  context.add_file("rethinkswarmmode", bytes, 0755);
  std::string image = "rsm-test/rethinkswarmmode:" + std::to_string(getpid());
  rsm::engine::build_image(engine, image, context.finish(), {.timeout_seconds = 300});

  ReplayServer database(handshake);
  int app_port = free_port();
  std::string name = "rsm-test-app-" + std::to_string(getpid());
  engine.request(rsm::engine::Method::Delete, "/containers/" + name + "?force=1");
  engine.post(
      "/containers/create?name=" + name,
      {{"Image", image},
       {"Env", {"PORT=" + std::to_string(app_port), "RETHINKDB_HOSTS=127.0.0.1:" + std::to_string(database.port())}},
       {"HostConfig", {{"NetworkMode", "host"}}}});
  engine.post("/containers/" + name + "/start");
  bool up = wait_for_app(app_port);
  HttpAnswer bar = http_get(app_port, "/bar");
  auto stopping = std::chrono::steady_clock::now();
  engine.checked(rsm::engine::Method::Post, "/containers/" + name + "/stop?t=10", {.timeout_seconds = 30});
  auto stop_took = std::chrono::steady_clock::now() - stopping;
  int exit_code = engine.get("/containers/" + name + "/json")["State"].value("ExitCode", -1);
  engine.request(rsm::engine::Method::Delete, "/containers/" + name + "?force=1");
  engine.request(rsm::engine::Method::Delete, "/images/" + image + "?force=1");
  fs::remove_all(out);

  EXPECT_TRUE(up) << "the FROM scratch container did not answer";
  EXPECT_EQ(bar.body, kSeedAnswer);
  // As PID 1 it handles SIGTERM itself: no 10 s wait for SIGKILL.
  EXPECT_LT(stop_took, std::chrono::seconds(3));
  EXPECT_EQ(exit_code, 0);
}
