#include "support/db_connection.h"

#include <chrono>
#include <cstdlib>

#include "support/rsm_runner.h"
#include "swarm/environment.h"
#include "swarm/formation.h"
#include "tunnel/relay.h"
#include "util/error.h"

namespace rsm::testing {

DbConnection connect_to_db(const std::string& env_name) {
  Progress progress(true);
  swarm::Environment env(env_name, progress);
  auto manager = swarm::answering_manager(env.nodes());
  if (!manager) throw Error("no manager answers");
  auto sockets = tunnel::ensure_relay(env, *manager, "dbnet", {{"db", 28015}, {"db", 8080}}, progress);
  DbConnection db;
  db.forwarder = std::make_unique<tunnel::Forwarder>(0, sockets[0]);
  auto password = run_rsm({"db", "password", env_name}).output;
  reql::ConnectOptions options;
  options.host = "127.0.0.1";
  options.port = db.forwarder->port();
  options.password = password.substr(0, password.find('\n'));
  options.read_timeout = std::chrono::seconds(20);
  db.connection = reql::Connection::connect(options);
  return db;
}

std::string real_rethinkdb_image() {
  const char* image = std::getenv("RSM_TEST_RETHINKDB_IMAGE");
  return image ? image : "";
}

}  // namespace rsm::testing
