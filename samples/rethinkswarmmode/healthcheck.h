// `rethinkswarmmode healthcheck`: the container health check of a FROM scratch image,
// which has no shell or curl to run one. Asks the app in this container for its health
// path: /healthz, or RSM_HEALTH_PATH, which rsm sets from the app's `health: path`, so
// that the swarm's check and the edge proxy's ask the same.
#pragma once

#include <string>

// 0 when GET http://127.0.0.1:port/PATH answers 200 within two seconds, 1 otherwise.
int check_health(int port, const std::string& path);
