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

TEST(HaproxyConfig, RoutesByHostAndPathPrefixOnPortEighty) {
  Backend site{.app = "site", .port = 8080, .replicas = 2, .hosts = {"example.com", "www.example.com"}};
  Backend api{.app = "api", .port = 9090, .replicas = 2, .hosts = {"example.com"}, .path = "/api"};
  Backend v2{.app = "apiv2", .port = 9090, .replicas = 2, .hosts = {"example.com"}, .path = "/api/v2"};
  std::string config = haproxy_config({site, api, v2, {"web", 8081, 2}});
  EXPECT_NE(config.find("frontend rsm_routes\n    bind :80\n"), std::string::npos) << config;
  EXPECT_NE(config.find("    acl host-site-route hdr(host),field(1,:),lower -m str example.com www.example.com\n"),
            std::string::npos)
      << config;
  EXPECT_NE(config.find("    acl path-api-route path -m str /api\n    acl path-api-route path -m beg /api/\n"),
            std::string::npos)
      << "/api and what lies under it, not /apix: " << config;
  size_t longest = config.find("use_backend apiv2-route if host-apiv2-route path-apiv2-route");
  size_t shorter = config.find("use_backend api-route if host-api-route path-api-route");
  size_t whole_host = config.find("use_backend site-route if host-site-route\n");
  ASSERT_NE(whole_host, std::string::npos) << config;
  EXPECT_LT(longest, shorter) << config;
  EXPECT_LT(shorter, whole_host) << config;
  EXPECT_NE(config.find("default_backend rsm_no_route\n"), std::string::npos);
  EXPECT_NE(config.find("http-request return status 404"), std::string::npos);
  EXPECT_NE(config.find("backend site-route\n"), std::string::npos);
  EXPECT_NE(config.find("server-template task 16 tasks.site:8080\n"), std::string::npos) << config;
  EXPECT_EQ(config.find("bind :8080"), std::string::npos) << "a route's port is the app's, not published";
  EXPECT_NE(config.find("frontend web-8081\n    bind :8081\n"), std::string::npos) << "ports keep working";
  EXPECT_EQ(published_ports({site, api, {"web", 8081, 2}}), (std::vector<int>{80, 8081}));
  EXPECT_EQ(published_ports({{"web", 8081, 2}}), (std::vector<int>{8081}));
}

TEST(HaproxyConfig, ChecksEachAppsHealthPathAtItsInterval) {
  using namespace std::chrono_literals;
  Backend web{.app = "web", .port = 8080, .replicas = 2, .health_path = "/up", .health_interval = 5s};
  std::string config = haproxy_config({web});
  EXPECT_NE(config.find("option httpchk GET /up\n"), std::string::npos) << config;
  EXPECT_NE(config.find("server-template task 16 tasks.web:8080 inter 5000ms\n"), std::string::npos) << config;
  EXPECT_EQ(haproxy_config({{"web", 8080, 2}}).find(" inter 1000ms"), std::string::npos)
      << "the defaults keep the text (and so the config) of apps deployed before";
}

TEST(HaproxyConfig, TerminatesTlsOnFourFortyThreeWithTheListedCertificates) {
  Backend site{.app = "site", .port = 8080, .replicas = 2, .hosts = {"example.com"}, .certificate = "rsm-tls-site-1"};
  Backend api{.app = "api",
              .port = 9090,
              .replicas = 2,
              .hosts = {"example.com"},
              .path = "/api",
              .certificate = "rsm-tls-api-1",
              .redirect = false,
              .hsts = true};
  std::string config = haproxy_config({site, api});
  EXPECT_NE(config.find("frontend rsm_routes\n    bind :80\n    bind :443 ssl crt-list /run/rsm-edge/certs.list "
                        "alpn h2,http/1.1\n"),
            std::string::npos)
      << config;
  EXPECT_NE(config.find("ssl-default-bind-options ssl-min-ver TLSv1.2"), std::string::npos) << config;
  EXPECT_NE(config.find("http-request redirect scheme https code 308 if !{ ssl_fc } host-site-route\n"),
            std::string::npos)
      << config;
  EXPECT_EQ(config.find("redirect scheme https code 308 if !{ ssl_fc } host-api-route"), std::string::npos)
      << "redirect: false";
  EXPECT_LT(config.find("http-request redirect"), config.find("use_backend")) << "rules before the choices";
  size_t api_backend = config.find("backend api-route\n");
  size_t hsts = config.find("http-response set-header Strict-Transport-Security \"max-age=31536000\" if { ssl_fc }");
  ASSERT_NE(hsts, std::string::npos) << config;
  EXPECT_GT(hsts, api_backend) << "HSTS is the api's own";
  EXPECT_EQ(config.find("Strict-Transport-Security", config.find("Strict", hsts) + 1), std::string::npos)
      << "and not the site's";
  EXPECT_EQ(published_ports({site, api}), (std::vector<int>{80, 443}));

  site.certificate.clear();
  api.certificate.clear();
  std::string plain = haproxy_config({site, api});
  EXPECT_EQ(plain.find("443"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("ssl"), std::string::npos) << "no TLS settings without certificates: " << plain;
  EXPECT_EQ(published_ports({site, api}), (std::vector<int>{80}));
}

TEST(HaproxyConfig, SendsEveryHostsAcmeChallengesToRsmAcmeBeforeAnyRouteOrRedirect) {
  Backend site{.app = "site", .port = 8080, .replicas = 2, .hosts = {"example.com"}, .certificate = "rsm-tls-site-1"};
  std::string config = haproxy_config({site}, true);
  size_t challenge = config.find("    use_backend rsm_acme if acme-challenge\n");
  ASSERT_NE(challenge, std::string::npos) << config;
  EXPECT_LT(challenge, config.find("use_backend site-route")) << config;
  EXPECT_NE(config.find("acl acme-challenge path_beg /.well-known/acme-challenge/\n"), std::string::npos);
  EXPECT_NE(config.find("redirect scheme https code 308 if !{ ssl_fc } host-site-route !acme-challenge\n"),
            std::string::npos)
      << "a challenge is answered on plain HTTP: " << config;
  EXPECT_NE(config.find("backend rsm_acme\n    server acme tasks.rsm-acme:8402 no-check\n"), std::string::npos)
      << config;
  EXPECT_EQ(published_ports({}, true), std::vector<int>{80}) << "port 80 before the first route";
  EXPECT_NE(haproxy_config({}, true).find("frontend rsm_routes\n    bind :80\n"), std::string::npos);
  EXPECT_EQ(haproxy_config({site}).find("acme"), std::string::npos) << "nothing of it without rsm-acme";
}
