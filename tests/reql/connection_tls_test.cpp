// The driver over TLS: socat terminates TLS (a certificate signed by the test's CA) in
// front of the test server, as a server started with --driver-tls-* would.
#include <gtest/gtest.h>

#include "replay_server.h"
#include "reql/connection.h"
#include "reql/errors.h"
#include "support/fixtures.h"
#include "support/ports.h"
#include "support/tls_terminator.h"

using namespace reql;
namespace fs = std::filesystem;

TEST(DriverTls, TalksToAServerWhoseCertificateItChecks) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  if (!rsm::program_exists("socat") || !rsm::program_exists("openssl"))
    GTEST_FAIL() << "the TLS test needs socat and openssl (scripts/setup installs them)";
  rsm::testing::ReplayServer server(rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json"));
  auto dir = fs::temp_directory_path() / ("rsm-reql-tls-" + std::to_string(getpid()));
  fs::remove_all(dir);
  rsm::testing::make_test_certificates(dir);
  int port = rsm::testing::free_port();
  auto socat = rsm::testing::start_tls_terminator(dir, port, "TCP:127.0.0.1:" + std::to_string(server.port()), false);

  ConnectOptions options{.host = "localhost", .port = port, .connect_timeout = std::chrono::milliseconds(3000)};
  options.tls = {.enabled = true, .ca_file = (dir / "ca.pem").string()};
  EXPECT_EQ(Connection::connect(options)->run(r.expr("over TLS")).value(), "over TLS");

  // A certificate nobody we trust signed is refused...
  options.tls.ca_file = "";
  try {
    Connection::connect(options);
    ADD_FAILURE() << "an unverified server was accepted";
  } catch (const ConnectionError& e) {
    EXPECT_NE(std::string(e.what()).find("TLS with localhost"), std::string::npos) << e.what();
  }
  // ...unless checking was turned off on purpose.
  options.tls.verify = false;
  EXPECT_EQ(Connection::connect(options)->run(r.expr("unchecked")).value(), "unchecked");
  fs::remove_all(dir);
}
