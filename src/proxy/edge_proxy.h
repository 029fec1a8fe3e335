// The edge proxy: how apps' ports reach the world without the swarm's routing mesh (which
// needs IPVS, and resets connections during updates). HAProxy runs as a global service on
// the apps' network with host-mode published ports, so every node answers on every
// published port; its configuration (haproxy_config.h) is a Docker config made by rsm.
// The image is made from Debian packages where it cannot be pulled.
#pragma once

#include <string>
#include <vector>

#include "proxy/haproxy_config.h"
#include "swarm/environment.h"
#include "util/progress.h"

namespace rsm::proxy {

inline constexpr const char* kServiceName = "rsm-proxy";

// Makes the environment's proxy publish exactly these backends on the given network (no
// backends: no proxy), with the certificates they name handed to every node first (and
// with acme_challenges, port 80 sending them to rsm-acme, haproxy_config.h), and
// waits until it runs on every ready node with this configuration. Unchanged backends
// change nothing.
void publish(swarm::Environment& env, const std::string& network, const std::vector<Backend>& backends,
             Progress& progress, bool acme_challenges = false);

// Refuses, in one line, a port the proxy does not publish yet that something else takes
// on a running node (a container's published port, a process listening): the proxy's
// task could not start there. Changes nothing.
void check_ports_free(swarm::Environment& env, engine::Client& manager, const std::vector<int>& ports);

// http://ADDRESS:PORT on every running node: where a published port answers.
std::vector<std::string> urls(swarm::Environment& env, int port);
// http(s)://HOST/PATH/ for each of a route's host names: where it answers once the names
// lead to the nodes (DNS records, which are the user's).
std::vector<std::string> route_urls(const std::vector<std::string>& hosts, const std::string& path, bool tls);

// Makes sure the engine has the proxy's image (built from Debian packages) and returns it.
std::string ensure_proxy_image(engine::Client& engine, Progress& progress);

}  // namespace rsm::proxy
