#include "routes.h"

#include <algorithm>

#include "reql/errors.h"

using reql::r;

namespace {

Reply unavailable(const std::exception& error) {
  std::string reason = error.what();
  std::replace(reason.begin(), reason.end(), '\n', ' ');
  return {503, "database unavailable: " + reason + "\n"};
}

}  // namespace

Reply route(const std::string& method, const std::string& target, reql::Pool& database, bool draining) {
  std::string path = target.substr(0, target.find('?'));
  if (method != "GET" && method != "HEAD") return {405, "method not allowed\n"};
  if (path == "/healthz") return {200, "ok\n"};
  if (path == "/readyz") {
    if (draining) return {503, "draining\n"};
    try {
      database.run(r.expr("ready")).value();
      return {200, "ready\n"};
    } catch (const std::exception& e) {
      return unavailable(e);
    }
  }
  if (path == "/bar") {
    try {
      std::string hello = database.run(r.expr("Hello from Rethink")).value().get<std::string>();
      return {200, "Hello, \"/bar\" 0.1\n" + hello + "\n"};
    } catch (const std::exception& e) {
      return unavailable(e);
    }
  }
  return {404, "404 page not found\n"};
}
