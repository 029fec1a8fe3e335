// A driver connection to an environment's database the way rsm makes one: the relay on a
// live manager, a loopback forwarder, the admin password. For tests with a real RethinkDB.
#pragma once

#include <memory>
#include <string>

#include "reql/connection.h"
#include "tunnel/forwarder.h"

namespace rsm::testing {

struct DbConnection {
  std::unique_ptr<tunnel::Forwarder> forwarder;
  reql::ConnectOptions options;  // how `connection` was made: more can be made alike
  std::shared_ptr<reql::Connection> connection;
};

// Throws when no manager answers or the database does not. With `through_node`, the
// relay runs on that node and the connection goes to that node's own server (db-NODE),
// not to whichever server the alias `db` gives: a client that a fault elsewhere leaves
// connected.
DbConnection connect_to_db(const std::string& env_name, const std::string& through_node = "");

// RSM_TEST_RETHINKDB_IMAGE, or empty (the tests that need it skip, saying so).
std::string real_rethinkdb_image();

}  // namespace rsm::testing
