// rsm build on the real engine: the sample app compiled in the builder container into a
// FROM scratch image, loaded into a real local swarm, run with 6 replicas and reached
// through the edge proxy and rsm tunnel, then updated to a second build under a steady
// load with no failed request; a second build compiles nothing; a build that fails says
// so and leaves no builder behind; a folder with a Dockerfile built by the engine; the Go
// app of bench/go_app built by `rsm up` and answering /bar from the database; a push
// reaches a real registry, and a push to no registry fails in one line.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/image_transfer.h"
#include "engine/url.h"
#include "support/environment_fixture.h"
#include "support/http_client.h"
#include "support/ports.h"
#include "support/rsm_runner.h"
#include "support/temp_folder.h"
#include "support/test_images.h"

using namespace rsm;
using namespace rsm::testing;
using nlohmann::json;

namespace {

const std::string kSample = std::string(RSM_SOURCE_DIR) + "/samples/rethinkswarmmode";

int builders_left(engine::Client& host) {
  return static_cast<int>(
      host.get("/containers/json?all=1&filters=" + engine::encode_filters({{"label", {"rsm.component=builder"}}}))
          .size());
}

class Build : public EnvironmentTest {
 protected:
  void SetUp() override {
    make_environment("build", 1, 1);
    image_ = fmt::format("rsm-test/rethinkswarmmode:{}", getpid());
    second_ = image_ + "-2";
  }
  void TearDown() override {
    EnvironmentTest::TearDown();
    engine::Client host(engine::Endpoint::from_environment());
    for (const auto& image : {image_, second_}) host.request(engine::Method::Delete, "/images/" + image + "?force=1");
  }

  std::string image_;
  std::string second_;  // the same app, another image (an ENV differs)
};

}  // namespace

TEST_F(Build, TheSampleAppRunsFromScratchBehindTheEdgeProxy) {
  auto built = run_rsm({"build", env_, kSample, image_, "-p", "9090", "--json"});
  ASSERT_EQ(built.exit_code, 0) << built.output;
  auto result = json::parse(built.output);
  EXPECT_EQ(result["target"], "rethinkswarmmode");
  EXPECT_GT(result["binary_bytes"].get<int>(), 100000);
  EXPECT_EQ(result["loaded"].size(), 2u) << built.output;

  engine::Client host(engine::Endpoint::from_environment());
  auto inspected = host.get("/images/" + image_ + "/json");
  EXPECT_EQ(inspected["Config"]["Entrypoint"], json::array({"/rethinkswarmmode"}));
  EXPECT_TRUE(inspected["Config"]["ExposedPorts"].contains("9090/tcp")) << inspected["Config"].dump();
  EXPECT_EQ(inspected["RootFS"]["Layers"].size(), 1u) << "FROM scratch: the binary's layer only";
  EXPECT_EQ(builders_left(host), 0);

  // The same sources again: nothing to do.
  auto again = run_rsm({"build", kSample, image_, "-p", "9090", "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_TRUE(json::parse(again.output)["unchanged"].get<bool>()) << again.output;
  // Another image of the same project (an ENV differs): the kept build folder compiles nothing.
  // (in the order before ENV came first, still taken with a line that says the new one)
  auto other = run_rsm({"build", kSample, second_, env_, "-p", "9090", "-e", "BUILD=2"});
  ASSERT_EQ(other.exit_code, 0) << other.output;
  EXPECT_NE(other.output.find(fmt::format("write `rsm build {} {} {}`", env_, kSample, second_)), std::string::npos)
      << other.output;
  EXPECT_EQ(other.output.find("Building CXX"), std::string::npos) << other.output;
  EXPECT_NE(other.output.find("built"), std::string::npos) << other.output;

  auto deployed = run_rsm({"app", "deploy", env_, "rethinkswarmmode", image_, "-r", "6", "-p", "9090", "--health-cmd",
                           "/rethinkswarmmode healthcheck"});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.output;
  auto listed = json::parse(run_rsm({"app", "ls", env_, "--json"}).output);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["running"], 6);
  ASSERT_EQ(listed[0]["urls"].size(), 2u) << listed.dump();
  for (const auto& url : listed[0]["urls"]) {
    auto answer = http_get(url.get<std::string>() + "/healthz");
    EXPECT_EQ(answer.status, 200) << url << ": " << answer.error;
    EXPECT_EQ(answer.body, "ok\n") << url;
  }

  int local = free_port();
  auto served = fetch_through_rsm({"tunnel", env_, "9090", "-p", std::to_string(local)}, local, "ok", "/healthz");
  EXPECT_EQ(served.page, "ok\n");
  EXPECT_EQ(served.exit_code, 0);

  // The second build rolls out under a steady load through both nodes' proxies: the
  // sample app drains on SIGTERM, the proxy retries elsewhere, no request fails.
  std::vector<std::string> urls;
  for (const auto& url : listed[0]["urls"]) urls.push_back(url.get<std::string>() + "/healthz");
  SteadyLoad load(urls);
  auto updated = run_rsm({"app", "deploy", env_, "rethinkswarmmode", second_, "-p", "9090", "--health-cmd",
                          "/rethinkswarmmode healthcheck"});
  auto under_load = load.stop();
  ASSERT_EQ(updated.exit_code, 0) << updated.output;
  EXPECT_TRUE(under_load.failures.empty()) << under_load.failures.size() << " of " << under_load.requests
                                           << " requests failed, the first: " << under_load.failures.front();
  EXPECT_GT(under_load.requests, 100);
  auto tasks = json::parse(run_rsm({"app", "ps", env_, "rethinkswarmmode", "--json"}).output);
  int running_second = 0;
  for (const auto& task : tasks) running_second += task["state"] == "running" && task["image"] == second_;
  EXPECT_EQ(running_second, 6) << tasks.dump(2);
}

TEST_F(Build, AFailedBuildSaysWhyAndLeavesNoBuilder) {
  auto project = std::filesystem::temp_directory_path() / fmt::format("rsm-broken-{}", getpid());
  std::filesystem::create_directories(project);
  std::ofstream(project / "CMakeLists.txt")
      << "cmake_minimum_required(VERSION 3.25)\nproject(broken CXX)\nadd_executable(broken main.cpp)\n";
  std::ofstream(project / "main.cpp") << "int main() { return }\n";
  auto unnamed = run_rsm({"build", project.string(), "rsm-test/broken:1"});
  EXPECT_EQ(unnamed.exit_code, 1) << unnamed.output;
  EXPECT_NE(unnamed.output.find("name the project's executable target with --target"), std::string::npos)
      << unnamed.output;
  auto failed = run_rsm({"build", project.string(), "rsm-test/broken:1", "--target", "broken"});
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  EXPECT_NE(failed.output.find("main.cpp"), std::string::npos) << "the compiler's words:\n" << failed.output;
  EXPECT_NE(failed.output.find("rsm: error: the build of broken failed"), std::string::npos) << failed.output;
  engine::Client host(engine::Endpoint::from_environment());
  EXPECT_EQ(builders_left(host), 0);
  EXPECT_FALSE(host.request(engine::Method::Get, "/images/rsm-test/broken:1/json").ok());
  json volumes = host.get("/volumes?filters=" +
                          engine::encode_filters({{"label", {"rsm.build.project=" + project.string()}}}))["Volumes"];
  for (const auto& volume : volumes)
    host.request(engine::Method::Delete, "/volumes/" + volume["Name"].get<std::string>());
  std::filesystem::remove_all(project);

  auto no_env = run_rsm({"build", "nosuchenv", kSample, image_});
  EXPECT_EQ(no_env.exit_code, 2) << no_env.output;
  auto no_registry = run_rsm({"build", kSample, "localhost:1/rsm-test/pushed:1", "--push"});
  EXPECT_EQ(no_registry.exit_code, 1) << no_registry.output;
  EXPECT_NE(no_registry.output.find("rsm: error: cannot push localhost:1/rsm-test/pushed:1"), std::string::npos)
      << no_registry.output;
  host.request(engine::Method::Delete, "/images/localhost:1/rsm-test/pushed:1?force=1");
}

TEST_F(Build, ADockerfileFolderIsBuiltByTheEngineLoadedAndAnswers) {
  engine::Client host(engine::Endpoint::from_environment());
  rsm::testing::TempFolder project("rsm-dockerfile-app");
  project.write("Dockerfile", fmt::format("FROM {}\nRUN echo made > /made\nCMD [\"/bin/web\", \"dockerfile\"]\n",
                                          ensure_web_image(host, "1")));
  image_ = fmt::format("rsm-test/dockerfile-app:{}", getpid());
  auto built = run_rsm({"build", env_, project.path().string(), image_, "--json", "-q"});
  ASSERT_EQ(built.exit_code, 0) << built.output;
  auto result = json::parse(built.output);
  EXPECT_EQ(result["kind"], "dockerfile");
  EXPECT_EQ(result["loaded"].size(), 2u) << built.output;
  auto again = run_rsm({"build", project.path().string(), image_, "--json", "-q"});
  EXPECT_TRUE(json::parse(again.output)["unchanged"].get<bool>()) << again.output;
  std::string cached = engine::image_id(host, image_);
  auto fresh = run_rsm({"build", project.path().string(), image_, "--fresh", "--json", "-q"});
  ASSERT_EQ(fresh.exit_code, 0) << fresh.output;
  EXPECT_FALSE(json::parse(fresh.output)["unchanged"].get<bool>()) << fresh.output;
  EXPECT_NE(engine::image_id(host, image_), cached) << "--fresh runs the RUN step again, past the engine's cache";

  auto deployed = run_rsm({"app", "deploy", env_, "fromdockerfile", image_, "-r", "1", "-p", "8080", "--json", "-q"});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.output;
  auto answer = json::parse(deployed.output);  // kept: a range-for over a temporary's member outlives it
  for (const auto& url : answer["urls"])
    EXPECT_EQ(http_get(url.get<std::string>() + "/").body, "web dockerfile\n") << url;

  project.write("Dockerfile", fmt::format("FROM {}\nRUN echo about to fail && false\n", ensure_web_image(host, "1")));
  auto failed = run_rsm({"build", project.path().string(), image_ + "-broken"});
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.output.find("about to fail"), std::string::npos) << "the step's own words:\n" << failed.output;
  EXPECT_NE(failed.output.find(fmt::format("rsm: error: the build of {}-broken failed: The command", image_)),
            std::string::npos)
      << failed.output;
  project.write("Dockerfile", "FROM rsm-test/nobody-has:404\n");
  auto unpulled = run_rsm({"build", project.path().string(), image_ + "-broken"});
  EXPECT_EQ(unpulled.exit_code, 1);
  EXPECT_NE(unpulled.output.find("an image FROM names must be on this machine's engine"), std::string::npos)
      << unpulled.output;
  EXPECT_EQ(run_rsm({"build", project.path().string(), image_, "-p", "80"}).exit_code, 2) << "-p is no Dockerfile's";
  EXPECT_EQ(run_rsm({"build", project.path().string(), image_, "--kind", "go"}).exit_code, 2) << "no Go here";
}

TEST_F(Build, TheGoAppIsBuiltByUpAndAnswersBarFromTheDatabase) {
  engine::Client host(engine::Endpoint::from_environment());
  rsm::testing::TempFolder folder("rsm-go-up");
  image_ = fmt::format("rsm-test/goapp:{}", getpid());
  folder.write("rsm.yaml",
               fmt::format(R"(env: {}
nodes: {{managers: 1, workers: 1}}
db: {{image: {}, wait: false}}
apps:
  - name: goapp
    image: {}
    source: {}/bench/go_app
    packages: [golang-gopkg-rethinkdb-rethinkdb-go.v6-dev]
    replicas: 2
    ports: [9090]
    secrets: [rsm-db-password]
)",
                           env_, ensure_memory_rethinkdb_image(host, RSM_TEST_SERVER_BINARY), image_, RSM_SOURCE_DIR));
  auto up = run_rsm({"up", "-f", (folder / "rsm.yaml").string(), "--json", "-y"});
  ASSERT_EQ(up.exit_code, 0) << up.output;
  auto inspected = host.get("/images/" + image_ + "/json");
  EXPECT_EQ(inspected["RootFS"]["Layers"].size(), 1u) << "FROM scratch: the binary's layer only";
  auto summary = json::parse(up.output.substr(up.output.find("{\n")));
  ASSERT_EQ(summary["apps"][0]["urls"].size(), 2u) << up.output;
  for (const auto& url : summary["apps"][0]["urls"]) {
    std::string body;
    // The proxy admits a task once it answers /healthz; the app connects first.
    for (int i = 0; i < 50 && body.find("Hello from Rethink") == std::string::npos; ++i) {
      body = http_get(url.get<std::string>() + "/bar").body;
      if (body.find("Hello from Rethink") == std::string::npos)
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_EQ(body, "Hello, \"/bar\" 0.1\nHello from Rethink\n") << url;
  }
}

// --push, for real: a registry (Debian's docker-registry) on this machine's loopback,
// which the engine may reach over plain HTTP.
TEST(BuildPush, PushesTheImageToTheRegistryItsNameStartsWith) {
  engine::Client host(engine::Endpoint::from_environment());
  std::string registry_image = ensure_registry_image(host);
  int port = free_port();
  json spec = {{"Image", registry_image},
               {"ExposedPorts", {{"5000/tcp", json::object()}}},
               {"HostConfig",
                {{"PortBindings", {{"5000/tcp", {{{"HostIp", "127.0.0.1"}, {"HostPort", std::to_string(port)}}}}}}}}};
  std::string id = host.post("/containers/create?name=" + unique_name("rsm-test-registry"), spec)["Id"];
  struct Removal {
    engine::Client& host;
    std::string id;
    ~Removal() { host.request(engine::Method::Delete, "/containers/" + id + "?force=1&v=1"); }
  } removal{host, id};
  host.post("/containers/" + id + "/start");
  std::string base = fmt::format("http://127.0.0.1:{}/v2/", port);
  for (int i = 0; i < 50 && http_get(base, 500).status != 200; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(http_get(base).status, 200) << "the test registry did not start";

  std::string pushed = fmt::format("127.0.0.1:{}/rsm-test/pushed:1", port);
  auto result = run_rsm({"build", kSample, pushed, "--push"});
  host.request(engine::Method::Delete, "/images/" + pushed + "?force=1");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find(", pushed"), std::string::npos) << result.output;
  auto tags = http_get(base + "rsm-test/pushed/tags/list");
  EXPECT_EQ(tags.status, 200);
  EXPECT_NE(tags.body.find(R"("1")"), std::string::npos) << tags.body;
}
