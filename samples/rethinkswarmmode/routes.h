// What the app answers. /bar, plus the probes a swarm health check and an edge
// proxy need.
#pragma once

#include <functional>
#include <string>

#include "reql/pool.h"

struct Reply {
  int status = 200;
  std::string body;
};
// Takes the reply to one request, from any thread.
using Respond = std::function<void(Reply)>;

// GET /bar      "Hello, \"/bar\" 0.1\n" then the database's "Hello from Rethink\n"
// GET /healthz  the process is alive
// GET /readyz   the database answers (and we are not shutting down)
// The database being away is a 503 with a one-line reason, never a crash. Answers that
// need the database come later, from the driver's thread; nothing here waits.
void route(const std::string& method, const std::string& target, reql::Pool& database, bool draining, Respond respond);
