// The swarm service of a stateless app: replicated, on the cluster's network (it reaches
// the database as db:28015), updated by starting new tasks first and rolling back by
// itself when they fail.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "proxy/haproxy_config.h"
#include "swarm/objects.h"

namespace rsm::app {

inline constexpr const char* kComponent = "app";
inline constexpr const char* kPortsLabel = "rsm.app.ports";
inline constexpr const char* kTimeoutLabel = "rsm.app.timeout";
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
};
inline constexpr Spelling kFlags{.variables = "-e", .replicas = "--replicas", .port = "-p", .timeout = "--timeout"};
inline constexpr Spelling kFileKeys{
    .variables = "env:", .replicas = "replicas:", .port = "ports:", .timeout = "timeout:"};

// Throws UsageError for a name the swarm (and DNS) would refuse, or KEY=VALUE without '='.
void validate(const DeployRequest& request, const Spelling& spelling = kFlags);

}  // namespace rsm::app
