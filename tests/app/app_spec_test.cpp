// An app's service spec: what the request's settings become, and the TLS mode normalize()
// settles.
#include "app/app_spec.h"

#include <gtest/gtest.h>

#include "util/error.h"

using namespace rsm::app;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

json container_of(const DeployRequest& request) {
  return service_spec("dev", request, {}, "sha256:1")["TaskTemplate"]["ContainerSpec"];
}

}  // namespace

TEST(AppSpec, TheSwarmsHealthCheckRunsAtTheHealthIntervalAndKnowsTheHealthPath) {
  DeployRequest request{.name = "web", .image = "web:1", .health_command = {"/web", "healthcheck"}};
  json container = container_of(request);
  EXPECT_EQ(container["HealthCheck"]["Interval"], 2'000'000'000LL) << "the default keeps the spec of apps before";
  EXPECT_EQ(container["Env"], json::array()) << container.dump();
  request.health_path = "/up";
  request.health_interval = 5s;
  container = container_of(request);
  EXPECT_EQ(container["HealthCheck"]["Interval"], 5'000'000'000LL);
  EXPECT_EQ(container["Env"], json::array({"RSM_HEALTH_PATH=/up"}));
  EXPECT_EQ(container["HealthCheck"]["Test"], json::array({"CMD", "/web", "healthcheck"}));
}

TEST(AppSpec, RoutesGetHttpsFromTheAcmeServerUnlessToldOtherwise) {
  auto settled = [](DeployRequest request) {
    normalize(request);
    return request.tls;
  };
  EXPECT_EQ(settled({.name = "web", .image = "x", .hosts = {"a.com"}}), "auto");
  EXPECT_EQ(settled({.name = "web", .image = "x", .hosts = {"a.com"}, .tls = "off"}), "off");
  EXPECT_EQ(settled({.name = "web", .image = "x", .hosts = {"a.com"}, .tls_certificate = "c", .tls_key = "k"}),
            "custom");
  EXPECT_EQ(settled({.name = "web", .image = "x", .ports = {8080}}), "") << "no hosts: no HTTPS";
  EXPECT_THROW(settled({.name = "web", .image = "x", .hosts = {"a.com"}, .tls = "on"}), rsm::UsageError);
  EXPECT_THROW(settled({.name = "web", .image = "x", .tls = "auto"}), rsm::UsageError);
  EXPECT_THROW(
      settled({.name = "web", .image = "x", .hosts = {"a.com"}, .tls = "auto", .tls_certificate = "c", .tls_key = "k"}),
      rsm::UsageError);
  EXPECT_THROW(settled({.name = "web", .image = "x", .hosts = {"a.com"}, .tls = "off", .hsts = true}), rsm::UsageError);
  DeployRequest spec_request{.name = "web", .image = "x", .hosts = {"a.com"}};
  normalize(spec_request);
  EXPECT_EQ(service_spec("dev", spec_request, {}, "")["Labels"]["rsm.app.tls"], "auto");
}
