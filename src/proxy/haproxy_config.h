// The edge proxy's configuration: one HAProxy frontend per published port, its backends
// found in swarm DNS (tasks.APP resolves to the app's running tasks, as every app is a
// dnsrr service), checked on /healthz, and requests retried on another task when one
// fails to connect (any request) or to answer in time (requests that change nothing).
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace rsm::proxy {

// Common web routers' wait for an app's answer. An app whose slowest answer takes far less
// sets less, so that a request taken by a task that died silently moves on sooner.
inline constexpr std::chrono::milliseconds kDefaultAnswerTimeout{30'000};

struct Backend {
  std::string app;  // the service name
  int port = 0;     // published on every node, and the app's own port
  int replicas = 0;
  std::chrono::milliseconds timeout = kDefaultAnswerTimeout;  // the wait for a task's answer
};

std::string haproxy_config(const std::vector<Backend>& backends);

// How many servers a backend's template holds: room for every task plus as many starting
// ones in an update, in steps of 16 so that scaling seldom changes the configuration
// (and so restarts the proxy).
int server_slots(int replicas);

}  // namespace rsm::proxy
