// Debian's pebble (an ACME server for tests) and pebble-challtestsrv (the DNS its
// validation asks) on this machine, for the tests of `tls: auto`. Pebble answers on
// ADDRESS:port over HTTPS with a certificate of the tests' CA (given to rsm as
// --acme-ca), validates HTTP-01 challenges on port 80 of whatever the names resolve to
// (every name: a node's address, unless set otherwise), and issues certificates valid
// for as long as asked, so that a test sees renewals. It keeps its awkward behaviours: it
// rejects 5% of good nonces and reuses half of its authorizations. Both stop with the
// object.
#pragma once

#include <chrono>
#include <string>

#include "support/temp_folder.h"
#include "support/test_certificates.h"
#include "util/subprocess.h"

namespace rsm::testing {

class AcmeTestServer {
 public:
  // address: where the nodes reach this machine; names_lead_to: the address every name
  // resolves to (a node's).
  AcmeTestServer(const std::string& address, const std::string& names_lead_to, std::chrono::seconds validity);
  ~AcmeTestServer();
  AcmeTestServer(const AcmeTestServer&) = delete;
  AcmeTestServer& operator=(const AcmeTestServer&) = delete;

  std::string directory() const;  // https://ADDRESS:PORT/dir
  std::string ca_file() const;    // the root of pebble's own HTTPS
  // Writes the root pebble issues under (what a browser must trust) to a file; its path.
  std::string issuing_root_file();
  // The name resolves to `address` from now on.
  void lead(const std::string& name, const std::string& address);

 private:
  TempFolder folder_;
  TestCa ca_;
  std::string address_;
  int port_ = 0, management_port_ = 0, dns_port_ = 0, dns_management_port_ = 0;
  std::optional<Subprocess> dns_, pebble_;
};

// Where the local node's containers reach this machine: their bridge's gateway.
std::string local_gateway(const std::string& node_container);

}  // namespace rsm::testing
