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
  std::shared_ptr<reql::Connection> connection;
};

// Throws when no manager answers or the database does not.
DbConnection connect_to_db(const std::string& env_name);

// RSM_TEST_RETHINKDB_IMAGE, or empty (the tests that need it skip, saying so).
std::string real_rethinkdb_image();

}  // namespace rsm::testing
