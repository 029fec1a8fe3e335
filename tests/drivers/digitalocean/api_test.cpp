// rsm's DigitalOcean client against the API stand-in: pages followed to the end, 429 and
// 5xx asked again (5xx not for POST), every other error one line with the API's message
// and request id, the token never shown.
#include "drivers/digitalocean/api.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "support/digitalocean_standin.h"
#include "support/ports.h"

using namespace rsm::drivers::digitalocean;
using rsm::testing::DigitalOceanStandin;
using rsm::testing::DigitalOceanStandinOptions;

namespace {

constexpr const char* kToken = "rsm-test-token";

ApiOptions quick() { return {.attempts = 5, .first_pause = std::chrono::milliseconds(10)}; }

json droplet_request(std::vector<std::string> names, const std::string& size = "s-1vcpu-1gb") {
  return {
      {"names", names}, {"region", "fra1"}, {"size", size}, {"image", "debian-12-x64"}, {"tags", {"rsm", "rsm-env-t"}}};
}

std::string failure_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no failure)";
}

}  // namespace

TEST(DigitalOceanApi, FollowsEveryPageToTheEnd) {
  DigitalOceanStandin standin;
  Api api(kToken, standin.url(), quick());
  for (int batch = 0; batch < 5; ++batch) {
    std::vector<std::string> names;
    for (int i = 0; i < 9; ++i) names.push_back("t-" + std::to_string(batch * 9 + i));
    api.post("/v2/droplets", droplet_request(names));
  }
  size_t before = api.requests();
  auto droplets = api.list("/v2/droplets?tag_name=rsm-env-t", "droplets");
  EXPECT_EQ(droplets.size(), 45u);
  EXPECT_EQ(api.requests() - before, 3u) << "20 per page";
  EXPECT_EQ(droplets.back()["name"], "t-44");
  EXPECT_TRUE(api.list("/v2/droplets?tag_name=nobody", "droplets").empty());
}

TEST(DigitalOceanApi, WaitsWhenAskedToAndAsksAgain) {
  DigitalOceanStandin standin({.rate_limit_every = 3});
  Api api(kToken, standin.url(), quick());
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(api.get("/v2/account/keys").contains("ssh_keys"));
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::seconds(1)) << "retry-after: 1 was kept";
  EXPECT_EQ(api.requests(), 5u) << "the 3rd request was refused and asked again";
  // Nothing is done on a 429, so a POST is asked again too.
  api.post("/v2/droplets", droplet_request({"a-1"}));
  EXPECT_EQ(standin.droplets().size(), 1u);
}

TEST(DigitalOceanApi, AsksAgainAfterAServerErrorButNeverPostsTwice) {
  DigitalOceanStandin standin({.server_errors_every = 2});
  Api api(kToken, standin.url(), quick());
  EXPECT_TRUE(api.get("/v2/account/keys").contains("ssh_keys"));  // 1st
  EXPECT_TRUE(api.get("/v2/account/keys").contains("ssh_keys"));  // 2nd fails, 3rd answers
  EXPECT_EQ(api.requests(), 3u);
  std::string failed = failure_of([&] { api.post("/v2/droplets", droplet_request({"b-1"})); });  // 4th fails
  EXPECT_EQ(api.requests(), 4u) << "a create whose answer was lost is for the caller to look for";
  EXPECT_EQ(failed.rfind("DigitalOcean refused POST /v2/droplets (500 server_error): Unexpected server-side error "
                         "(request ",
                         0),
            0u)
      << failed;
  EXPECT_NE(failed.find("; try again later"), std::string::npos) << failed;
}

TEST(DigitalOceanApi, SaysWhatTheApiSaidInOneLine) {
  DigitalOceanStandin standin;
  Api api(kToken, standin.url(), quick());
  std::string refused = failure_of([&] { api.post("/v2/droplets", droplet_request({"c-1"}, "s-64vcpu-1tb")); });
  EXPECT_EQ(refused.rfind("DigitalOcean refused POST /v2/droplets (422 unprocessable_entity): You specified an "
                          "invalid size for Droplet creation. (request ",
                          0),
            0u)
      << refused;
  EXPECT_EQ(refused.find('\n'), std::string::npos);
  try {
    api.get("/v2/droplets/12345");
    FAIL() << "found a droplet that was never made";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 404);
    EXPECT_EQ(e.id(), "not_found");
  }
  EXPECT_FALSE(api.remove("/v2/droplets/12345")) << "gone already";
}

TEST(DigitalOceanApi, SaysTheTokenIsWrongWithoutShowingIt) {
  DigitalOceanStandin standin;
  Api api("not-the-token-4f1e", standin.url(), quick());
  ::testing::internal::CaptureStderr();
  setenv("RSM_DEBUG_HTTP", "1", 1);
  std::string refused = failure_of([&] { api.get("/v2/droplets"); });
  unsetenv("RSM_DEBUG_HTTP");
  std::string debug = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(refused.rfind("DigitalOcean refused the token (Unable to authenticate you) (request ", 0), 0u) << refused;
  EXPECT_NE(refused.find("set DIGITALOCEAN_ACCESS_TOKEN or --token-file"), std::string::npos) << refused;
  EXPECT_NE(debug.find("digitalocean: GET " + standin.url() + "/v2/droplets -> 401 request "), std::string::npos)
      << debug;
  EXPECT_EQ((refused + debug).find("4f1e"), std::string::npos) << "the token was shown";
}

TEST(DigitalOceanApi, SaysWhenItCannotReachTheApi) {
  Api api(kToken, "http://127.0.0.1:" + std::to_string(rsm::testing::free_port()), quick());
  std::string failed = failure_of([&] { api.get("/v2/droplets"); });
  EXPECT_EQ(failed.rfind("cannot reach DigitalOcean at http://127.0.0.1:", 0), 0u) << failed;
  EXPECT_NE(failed.find("check the network, or DIGITALOCEAN_API_URL"), std::string::npos) << failed;
  EXPECT_EQ(api.requests(), 5u) << "asked again with a growing pause";
}

TEST(DigitalOceanApi, ReadsTheTokenFromTheEnvironmentOrAFile) {
  unsetenv("DIGITALOCEAN_ACCESS_TOKEN");
  EXPECT_THROW(read_token(""), rsm::UsageError);
  EXPECT_NE(failure_of([] { read_token(""); }).find("set DIGITALOCEAN_ACCESS_TOKEN or give --token-file"),
            std::string::npos);
  setenv("DIGITALOCEAN_ACCESS_TOKEN", "from-the-environment", 1);
  EXPECT_EQ(read_token(""), "from-the-environment");
  std::string file = "/tmp/rsm-token-test-" + std::to_string(getpid());
  std::ofstream(file) << "from-a-file\n";
  EXPECT_EQ(read_token(file), "from-a-file") << "the file wins over the environment";
  std::ofstream(file) << "\n";
  EXPECT_NE(failure_of([&] { read_token(file); }).find("is empty"), std::string::npos);
  std::remove(file.c_str());
  EXPECT_NE(failure_of([&] { read_token(file); }).find("cannot read --token-file"), std::string::npos);
  unsetenv("DIGITALOCEAN_ACCESS_TOKEN");
}

TEST(DigitalOceanApi, TakesAnotherEndpointFromTheEnvironment) {
  unsetenv("DIGITALOCEAN_API_URL");
  EXPECT_EQ(api_url(), "https://api.digitalocean.com");
  setenv("DIGITALOCEAN_API_URL", "http://127.0.0.1:4010/", 1);
  EXPECT_EQ(api_url(), "http://127.0.0.1:4010");
  unsetenv("DIGITALOCEAN_API_URL");
}
