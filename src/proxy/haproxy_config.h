// The edge proxy's configuration: one HAProxy frontend per published port, and one on
// port 80 (and 443, terminating TLS with the certificates of edge_folder.h) that routes by
// host name and path prefix; backends found in swarm DNS
// (tasks.APP resolves to the app's running tasks, as every app is a dnsrr service),
// checked on their health path, and requests retried on another task when one fails to
// connect (any request) or to answer in time (requests that change nothing).
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace rsm::proxy {

// Common web routers' wait for an app's answer. An app whose slowest answer takes far less
// sets less, so that a request taken by a task that died silently moves on sooner.
inline constexpr std::chrono::milliseconds kDefaultAnswerTimeout{30'000};
inline constexpr const char* kDefaultHealthPath = "/healthz";
inline constexpr std::chrono::milliseconds kDefaultHealthInterval{1000};
inline constexpr int kRoutesPort = 80;  // where every route's requests come in
inline constexpr int kTlsPort = 443;    // and those of routes with a certificate, over TLS

struct Backend {
  std::string app;  // the service name
  int port = 0;     // the app's own port; published on every node unless the backend is a route's
  int replicas = 0;
  std::chrono::milliseconds timeout = kDefaultAnswerTimeout;  // the wait for a task's answer
  // A route: requests on kRoutesPort for these host names (lower case) and, with a path,
  // for it and what lies under it.
  std::vector<std::string> hosts;
  std::string path;  // "/api"; empty: every path
  std::string health_path = kDefaultHealthPath;
  std::chrono::milliseconds health_interval = kDefaultHealthInterval;
  // A route with a certificate (the swarm secret's name) answers on kTlsPort too, for the
  // names the certificate is for (SNI); plain HTTP requests get a redirect to HTTPS unless
  // `redirect` is off; `hsts` tells browsers to ask by HTTPS only, for a year.
  std::string certificate;
  std::string certificate_expires;  // utc_time(), for the listings
  bool redirect = true;
  bool hsts = false;

  bool routed() const { return !hosts.empty(); }
  bool tls() const { return !certificate.empty(); }
  std::string name() const;  // unique among the backends: "APP-PORT", "APP-route"
};

// The ports the proxy publishes on every node: those of the backends that are not routes,
// kRoutesPort when there are routes, and kTlsPort when a route has a certificate.
// With acme_challenges, port 80 is published too and sends every host's
// /.well-known/acme-challenge/ to rsm-acme (acme_orders.h), before any route.
std::vector<int> published_ports(const std::vector<Backend>& backends, bool acme_challenges = false);
bool serves_tls(const std::vector<Backend>& backends);

std::string haproxy_config(const std::vector<Backend>& backends, bool acme_challenges = false);

// How many servers a backend's template holds: room for every task plus as many starting
// ones in an update, in steps of 16 so that scaling seldom changes the configuration
// (and so restarts the proxy).
int server_slots(int replicas);

}  // namespace rsm::proxy
