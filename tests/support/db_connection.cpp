#include "support/db_connection.h"

#include <chrono>
#include <cstdlib>
#include <optional>

#include "support/rsm_runner.h"
#include "swarm/environment.h"
#include "swarm/formation.h"
#include "tunnel/relay.h"
#include "util/error.h"

namespace rsm::testing {

DbConnection connect_to_db(const std::string& env_name, const std::string& through_node) {
  Progress progress(true);
  swarm::Environment env(env_name, progress);
  std::optional<drivers::Node> manager;
  if (through_node.empty()) {
    manager = swarm::answering_manager(env.nodes());
    if (!manager) throw Error("no manager answers");
  } else {
    for (const auto& node : env.nodes())
      if (node.name == through_node) manager = node;
    if (!manager) throw Error("no node " + through_node + " in " + env_name);
  }
  // The routes rsm's own commands ask for come first, so that they reuse this relay.
  std::vector<tunnel::Route> routes{{"db", 28015}, {"db", 8080}};
  if (!through_node.empty()) routes.push_back({"db-" + through_node, 28015});
  auto sockets = tunnel::ensure_relay(env, *manager, "dbnet", routes, progress);
  DbConnection db;
  db.forwarder = std::make_unique<tunnel::Forwarder>(0, sockets[through_node.empty() ? 0 : 2]);
  auto password = run_rsm({"db", "password", env_name}).output;
  db.options.host = "127.0.0.1";
  db.options.port = db.forwarder->port();
  db.options.password = password.substr(0, password.find('\n'));
  db.options.read_timeout = std::chrono::seconds(20);
  db.connection = reql::Connection::connect(db.options);
  return db;
}

std::string real_rethinkdb_image() {
  const char* image = std::getenv("RSM_TEST_RETHINKDB_IMAGE");
  return image ? image : "";
}

}  // namespace rsm::testing
