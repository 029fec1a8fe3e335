// TLS for tests: a CA and the certificates it signs (made with the openssl CLI), and
// socat terminating TLS on 127.0.0.1 in front of a plain server.
#pragma once

#include <filesystem>
#include <string>

#include "util/subprocess.h"

namespace rsm::testing {

// Writes into dir: ca.pem + ca-key.pem, server-cert.pem + server-key.pem (for 127.0.0.1
// and localhost), client-cert.pem + client-key.pem. Throws Error when openssl fails.
void make_test_certificates(const std::filesystem::path& dir);

// socat listening with TLS on 127.0.0.1:port (the server certificate of dir), forwarding
// to target (a socat address such as UNIX-CONNECT:/var/run/docker.sock or
// TCP:127.0.0.1:28015). With require_client_certificate, clients must show one signed by
// the CA. Returns once it accepts connections.
Subprocess start_tls_terminator(const std::filesystem::path& dir, int port, const std::string& target,
                                bool require_client_certificate);

}  // namespace rsm::testing
