// The engine client against the real dockerd that CI starts: request building, version
// negotiation, error mapping and streaming.
#include "engine/client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "engine/json_message_stream.h"
#include "support/test_images.h"
#include "util/tar_writer.h"

using namespace rsm::engine;

TEST(EngineClient, NegotiatesTheLowerOfBothVersions) {
  Client client(Endpoint::from_environment());
  std::string negotiated = client.api_version();
  // The engine reports what it speaks; we must never ask for more than that or than we know.
  json version = client.get("/version");
  std::string engine_max = version.at("ApiVersion");
  EXPECT_FALSE(api_version_less(engine_max, negotiated)) << engine_max << " < " << negotiated;
  EXPECT_FALSE(api_version_less(kMaxApiVersion, negotiated));
  EXPECT_TRUE(negotiated == engine_max || negotiated == kMaxApiVersion);
  // And the engine accepts it: an engine refuses versions below its minimum.
  EXPECT_FALSE(api_version_less(negotiated, version.value("MinAPIVersion", "1.12")));
}

TEST(EngineClient, BuildsJsonRequestsAndQueryStrings) {
  Client client(Endpoint::from_environment());
  std::string name = rsm::testing::unique_name("rsm-client-test");
  client.post("/volumes/create", {{"Name", name}, {"Labels", {{"rsm.test", "client"}}}});
  json volume = client.get("/volumes/" + name);
  EXPECT_EQ(volume["Labels"]["rsm.test"], "client");
  json listed = client.get("/volumes?filters=%7B%22label%22%3A%5B%22rsm.test%3Dclient%22%5D%7D");
  bool found = false;
  for (const auto& v : listed["Volumes"]) found = found || v["Name"] == name;
  EXPECT_TRUE(found);
  client.remove("/volumes/" + name);
  EXPECT_EQ(client.request(Method::Get, "/volumes/" + name).status, 404);
}

TEST(EngineClient, MapsEngineErrorsWithTheirMessageAndRequest) {
  Client client(Endpoint::from_environment());
  try {
    client.get("/containers/rsm-no-such-container/json");
    FAIL() << "expected EngineError";
  } catch (const EngineError& e) {
    EXPECT_TRUE(e.not_found());
    EXPECT_NE(e.engine_message().find("No such container"), std::string::npos) << e.engine_message();
    EXPECT_EQ(e.request(), "GET /containers/rsm-no-such-container/json");
    EXPECT_NE(std::string(e.what()).find("unix://"), std::string::npos) << e.what();
  }
  std::string name = rsm::testing::unique_name("rsm-conflict");
  client.post("/volumes/create", {{"Name", name}});
  try {
    client.post("/networks/create", {{"Name", name}, {"Driver", "no-such-driver"}});
    FAIL() << "expected EngineError";
  } catch (const EngineError& e) {
    EXPECT_GE(e.status(), 400);
    EXPECT_NE(e.engine_message().find("no-such-driver"), std::string::npos) << e.engine_message();
  }
  client.remove("/volumes/" + name);
}

TEST(EngineClient, SaysWhenThereIsNoEngine) {
  Client client(Endpoint::unix_socket("/nonexistent/docker.sock"));
  EXPECT_FALSE(client.ping());
  try {
    client.get("/info");
    FAIL() << "expected UnreachableError";
  } catch (const UnreachableError& e) {
    EXPECT_NE(std::string(e.what()).find("socket does not exist"), std::string::npos) << e.what();
  }
}

TEST(EngineClient, SaysWhenSomethingElseAnswers) {
  // A unix socket that answers HTTP, but not as a Docker engine.
  auto path = std::filesystem::temp_directory_path() / rsm::testing::unique_name("rsm-not-docker.sock");
  int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  listen(listener, 4);
  std::jthread server([listener] {
    int connection = accept(listener, nullptr, nullptr);
    char buffer[4096];
    [[maybe_unused]] auto n = read(connection, buffer, sizeof buffer);
    std::string answer = "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot here\n";
    [[maybe_unused]] auto m = write(connection, answer.data(), answer.size());
    close(connection);
  });
  Client client(Endpoint::unix_socket(path.string()));
  EXPECT_THROW(client.api_version(), UnreachableError);
  server.join();
  close(listener);
  std::filesystem::remove(path);
}

TEST(EngineClient, StreamsBuildsAndReportsFailuresInsideTheStream) {
  Client client(Endpoint::from_environment());
  std::string tag = rsm::testing::unique_name("rsm-test/stream") + ":1";
  rsm::TarWriter context;
  context.add_file("Dockerfile", "FROM scratch\nCOPY hello.txt /hello.txt\nLABEL rsm.test=stream\n");
  context.add_file("hello.txt", "hello\n");
  int messages = 0;
  JsonMessageStream stream([&](const json&) { ++messages; });
  client.checked(Method::Post, "/build?t=" + tag + "&rm=1",
                 {.raw_body = context.finish(),
                  .content_type = "application/x-tar",
                  .sink = [&](std::string_view chunk) { stream.feed(chunk); }});
  stream.finish();
  EXPECT_GT(messages, 2);
  EXPECT_EQ(client.get("/images/" + tag + "/json")["Config"]["Labels"]["rsm.test"], "stream");
  client.remove("/images/" + tag);

  rsm::TarWriter broken;
  broken.add_file("Dockerfile", "FROM scratch\nCOPY missing.txt /\n");
  JsonMessageStream failing(nullptr);
  EXPECT_THROW(client.checked(Method::Post, "/build?rm=1",
                              {.raw_body = broken.finish(),
                               .content_type = "application/x-tar",
                               .sink = [&](std::string_view chunk) { failing.feed(chunk); }}),
               rsm::Error);
}

TEST(ApiVersion, ComparesNumerically) {
  EXPECT_TRUE(rsm::engine::api_version_less("1.41", "1.44"));
  EXPECT_TRUE(rsm::engine::api_version_less("1.9", "1.10"));
  EXPECT_FALSE(rsm::engine::api_version_less("1.50", "1.44"));
  EXPECT_FALSE(rsm::engine::api_version_less("1.44", "1.44"));
}
