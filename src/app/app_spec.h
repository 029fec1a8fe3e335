// The swarm service of a stateless app: replicated, on the cluster's network (it reaches
// the database as db:28015), updated by starting new tasks first and rolling back by
// itself when they fail.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "proxy/acme_service.h"
#include "proxy/haproxy_config.h"
#include "swarm/objects.h"

namespace rsm::app {

inline constexpr const char* kComponent = "app";
inline constexpr const char* kPortsLabel = "rsm.app.ports";
inline constexpr const char* kTimeoutLabel = "rsm.app.timeout";
// Set only where they differ from the defaults, so that apps deployed before routes and
// health settings existed keep their spec.
inline constexpr const char* kHostsLabel = "rsm.app.hosts";  // comma-separated
inline constexpr const char* kPathLabel = "rsm.app.path";
inline constexpr const char* kHttpPortLabel = "rsm.app.http_port";
inline constexpr const char* kHealthPathLabel = "rsm.app.health.path";
inline constexpr const char* kHealthIntervalLabel = "rsm.app.health.interval";
inline constexpr const char* kTlsLabel = "rsm.app.tls";            // "auto" (ACME) or "custom" (the user's)
inline constexpr const char* kRedirectLabel = "rsm.app.redirect";  // "false": no redirect to HTTPS
inline constexpr const char* kHstsLabel = "rsm.app.hsts";          // "true"
inline constexpr const char* kDefaultHealthPath = proxy::kDefaultHealthPath;
// Set in the task's environment to a health path other than the default, for the app's
// own check (--health-cmd) to ask, as the sample app's does.
inline constexpr const char* kHealthPathVariable = "RSM_HEALTH_PATH";
inline constexpr std::chrono::milliseconds kDefaultHealthInterval = proxy::kDefaultHealthInterval;
inline constexpr std::chrono::milliseconds kMinHealthInterval{100}, kMaxHealthInterval{60'000};
inline constexpr int kDefaultHttpPort = 80;
inline constexpr int kRoutesPort = proxy::kRoutesPort;
inline constexpr std::chrono::milliseconds kDefaultTimeout = proxy::kDefaultAnswerTimeout;
inline constexpr std::chrono::milliseconds kMinTimeout{50}, kMaxTimeout{3'600'000};

struct DeployRequest {
  std::string name;
  std::string image;
  int replicas = 2;
  std::vector<int> ports;                   // the app's ports, published through the edge proxy
  std::vector<std::string> variables;       // KEY=VALUE, the process's environment variables
  std::vector<std::string> secrets;         // the user's secrets or swarm secrets, mounted at /run/secrets/NAME
  std::vector<std::string> health_command;  // run in the container; empty: the image's own check
  // How long the edge proxy waits for a task's answer. Then a GET, HEAD or OPTIONS request
  // is tried on another task (a silently dead task costs its requests no more than this);
  // other requests, which may have done their work, are answered 504.
  std::chrono::milliseconds timeout = kDefaultTimeout;
  // Routes: HTTP requests for these host names (and, with `path`, under that prefix) reach
  // the app through the edge proxy's port 80 on every node, at http_port.
  std::vector<std::string> hosts;
  std::string path;   // "/api": /api and /api/...; empty: every path
  int http_port = 0;  // where the app answers its routes' requests; 0: its first port, else 80
  // What the edge proxy asks a task, and how often, to know it answers; with a
  // health_command, the swarm runs it that often too (2 s by default), and the task gets
  // the path as RSM_HEALTH_PATH.
  std::string health_path = kDefaultHealthPath;
  std::chrono::milliseconds health_interval = kDefaultHealthInterval;
  // HTTPS for the hosts on port 443: "auto" (the default with hosts: a certificate from
  // the ACME server, got at deploy and renewed by rsm-acme), "off", or "custom": the
  // user's certificate (and its chain) and key, PEM files read and checked at deploy. A
  // certificate is kept as a swarm secret. With HTTPS, HTTP requests get a redirect there
  // unless `redirect` is off. normalize() settles the mode ("" without hosts).
  std::string tls;
  std::string tls_certificate;
  std::string tls_key;
  bool redirect = true;
  bool hsts = false;         // answers over HTTPS say: only HTTPS for this host, for a year
  proxy::AcmeSettings acme;  // the ACME server, for the whole environment

  bool tls_on() const { return tls == "auto" || tls == "custom"; }
  // http_port, or its default.
  int route_port() const { return http_port ? http_port : ports.empty() ? kDefaultHttpPort : ports.front(); }
};

// secrets: name -> the swarm secret of every secret in the request (user_secrets.h:
// a version of the user's secret, mounted under its name). image_id: the ID of the image
// the nodes have under request.image; kept in the spec, so that a new build under the
// same tag rolls out as an update.
nlohmann::json service_spec(const std::string& env, const DeployRequest& request,
                            const std::map<std::string, swarm::ObjectView>& secrets, const std::string& image_id);

// How the user wrote each setting, so that a message names it: a flag of `rsm app deploy`,
// or a key of an app in rsm.yaml.
struct Spelling {
  const char* variables;
  const char* replicas;
  const char* port;
  const char* timeout;
  const char* host;
  const char* path;
  const char* http_port;
  const char* health_path;
  const char* health_interval;
  const char* tls;
  const char* tls_certificate;
  const char* tls_key;
  const char* redirect;
  const char* hsts;
};
inline constexpr Spelling kFlags{.variables = "-e",
                                 .replicas = "--replicas",
                                 .port = "-p",
                                 .timeout = "--timeout",
                                 .host = "--host",
                                 .path = "--path",
                                 .http_port = "--http-port",
                                 .health_path = "--health-path",
                                 .health_interval = "--health-interval",
                                 .tls = "--tls",
                                 .tls_certificate = "--tls-cert",
                                 .tls_key = "--tls-key",
                                 .redirect = "--no-redirect",
                                 .hsts = "--hsts"};
inline constexpr Spelling kFileKeys{.variables = "env:",
                                    .replicas = "replicas:",
                                    .port = "ports:",
                                    .timeout = "timeout:",
                                    .host = "hosts:",
                                    .path = "path:",
                                    .http_port = "http_port:",
                                    .health_path = "health: path:",
                                    .health_interval = "health: interval:",
                                    .tls = "tls:",
                                    .tls_certificate = "tls: cert:",
                                    .tls_key = "tls: key:",
                                    .redirect = "redirect:",
                                    .hsts = "hsts:"};

// Throws UsageError for a name the swarm (and DNS) would refuse, KEY=VALUE without '=',
// a host name that is none, a path that is not one prefix ("/api"), or TLS settings that
// do not go together (a certificate's content is checked at deploy). Makes host names
// lower case, takes a trailing '/' off the path ("/" routes every path), and settles the
// TLS mode.
void normalize(DeployRequest& request, const Spelling& spelling = kFlags);

}  // namespace rsm::app
