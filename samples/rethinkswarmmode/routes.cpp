// The answers themselves: /bar asks the database without blocking and answers when it
// does; the probes answer at once.
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

// Runs `query` and answers with make_reply(its value), or 503 with why not.
template <class MakeReply>
void answer_from_database(reql::Pool& database, const reql::Term& query, Respond respond, MakeReply make_reply) {
  database.async_run(query, {},
                     [respond = std::move(respond), make_reply](std::exception_ptr error, reql::Cursor cursor) {
                       Reply reply;
                       try {
                         if (error) std::rethrow_exception(error);
                         reply = make_reply(cursor.value());
                       } catch (const std::exception& e) {
                         reply = unavailable(e);
                       }
                       respond(std::move(reply));
                     });
}

}  // namespace

void route(const std::string& method, const std::string& target, reql::Pool& database, bool draining, Respond respond) {
  std::string path = target.substr(0, target.find('?'));
  if (method != "GET" && method != "HEAD") return respond({405, "method not allowed\n"});
  if (path == "/healthz") return respond({200, "ok\n"});
  if (path == "/readyz") {
    if (draining) return respond({503, "draining\n"});
    static const reql::Term ready = r.expr("ready");
    return answer_from_database(database, ready, respond, [](const nlohmann::json&) { return Reply{200, "ready\n"}; });
  }
  if (path == "/bar") {
    static const reql::Term hello = r.expr("Hello from Rethink");
    return answer_from_database(database, hello, respond, [](const nlohmann::json& line) {
      return Reply{200, "Hello, \"/bar\" 0.1\n" + line.get<std::string>() + "\n"};
    });
  }
  respond({404, "404 page not found\n"});
}
