// TLS between the RethinkDB servers of an environment (--cluster-tls-*): a CA of the
// environment's own and one certificate, signed by it, that every server presents and
// checks its peers against. The admin password protects clients, not membership: a
// server with any password may join a cluster (facts.md). With cluster TLS, only servers
// holding this environment's certificate can.
#pragma once

#include <string>

namespace rsm::db {

struct ClusterTls {
  std::string ca_certificate;  // PEM
  std::string certificate;     // PEM, signed by the CA, for serverAuth and clientAuth
  std::string private_key;     // PEM (PKCS#8), the certificate's key
};

// New keys (RSA 2048: RethinkDB's default ciphers are ECDHE with AES-GCM, which RSA keys
// serve everywhere) and certificates valid for ten years. The CA's key is not kept:
// nothing else is ever signed with it.
ClusterTls make_cluster_tls(const std::string& env);

}  // namespace rsm::db
