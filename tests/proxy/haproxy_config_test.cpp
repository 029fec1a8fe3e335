// The edge proxy's configuration (what HAProxy itself makes of it is tested on a real
// swarm in the integration tests).
#include <gtest/gtest.h>

#include "proxy/haproxy_config.h"

using namespace rsm::proxy;

TEST(HaproxyConfig, OneFrontendAndBackendPerPublishedPort) {
  std::string config = haproxy_config({{"web", 9090, 6}, {"api", 8080, 20}});
  EXPECT_NE(config.find("frontend web-9090\n    bind :9090\n"), std::string::npos) << config;
  EXPECT_NE(config.find("    default_backend web-9090\n"), std::string::npos) << config;
  EXPECT_NE(config.find("server-template task 16 tasks.web:9090\n"), std::string::npos) << config;
  EXPECT_NE(config.find("frontend api-8080\n    bind :8080\n"), std::string::npos) << config;
  EXPECT_NE(config.find("server-template task 48 tasks.api:8080\n"), std::string::npos) << config;
  EXPECT_NE(config.find("option httpchk GET /healthz"), std::string::npos);
}

TEST(HaproxyConfig, FindsTasksThroughDockerDnsAndRetriesElsewhere) {
  std::string config = haproxy_config({{"web", 9090, 2}});
  EXPECT_NE(config.find("nameserver docker 127.0.0.11:53"), std::string::npos);
  size_t retry_on = config.find("retry-on conn-failure empty-response junk-response response-timeout");
  ASSERT_NE(retry_on, std::string::npos) << config;
  std::string line = config.substr(retry_on, config.find('\n', retry_on) - retry_on) + " ";
  EXPECT_EQ(line.find(" 500 "), std::string::npos) << "an app's own error comes back the same from any task";
  EXPECT_NE(line.find(" 503 "), std::string::npos) << line;
  EXPECT_NE(config.find("option redispatch 1"), std::string::npos);
  EXPECT_NE(config.find("init-addr none resolvers swarm"), std::string::npos) << "an app with no task yet";
}

TEST(HaproxyConfig, GivesUpOnASilentTaskWithinHalfASecond) {
  std::string config = haproxy_config({{"web", 9090, 2}});
  EXPECT_NE(config.find("timeout connect 500ms\n"), std::string::npos) << config;
  EXPECT_NE(config.find("timeout check 500ms\n"), std::string::npos) << config;
  EXPECT_NE(config.find("check inter 1s fastinter 250ms fall 2 rise 1"), std::string::npos) << config;
  EXPECT_EQ(config.find("on-error mark-down"), std::string::npos) << "live tasks would be marked down when a node dies";
}

TEST(HaproxyConfig, RetriesOnlyRequestsThatChangeNothingAfterTheAppsTimeout) {
  using namespace std::chrono_literals;
  std::string config = haproxy_config({{"web", 9090, 2, 500ms}, {"api", 8080, 2}});
  EXPECT_NE(config.find("backend web-9090\n    timeout server 500ms\n"), std::string::npos) << config;
  EXPECT_NE(config.find("backend api-8080\n    timeout server 30000ms\n"), std::string::npos) << config;
  EXPECT_NE(config.find("frontend web-9090\n    bind :9090\n    http-request disable-l7-retry unless METH_GET || "
                        "METH_OPTIONS\n"),
            std::string::npos)
      << "a POST may have done its work before the answer timed out";
  EXPECT_NE(config.find("timeout tunnel 1h"), std::string::npos) << "a quiet WebSocket is no late answer";
}

TEST(HaproxyConfig, SameBackendsSameText) {
  EXPECT_EQ(haproxy_config({{"web", 9090, 3}}), haproxy_config({{"web", 9090, 5}}))
      << "scaling within a template's room must not restart the proxy";
  EXPECT_NE(haproxy_config({{"web", 9090, 3}}), haproxy_config({{"web", 9091, 3}}));
}

TEST(HaproxyConfig, ServerSlotsLeaveRoomForAnUpdate) {
  EXPECT_EQ(server_slots(0), 16);
  EXPECT_EQ(server_slots(1), 16);
  EXPECT_EQ(server_slots(8), 16);
  EXPECT_EQ(server_slots(9), 32);
  EXPECT_EQ(server_slots(100), 208);
}
