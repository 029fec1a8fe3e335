// The cluster's secrets: the admin password (made once, read back from a running server,
// since the API never returns a secret's value) and the three cluster TLS secrets (made
// together, since a certificate only works with its CA and key).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "drivers/node.h"
#include "engine/client.h"

namespace rsm::db {

// 32 characters from [A-Za-z0-9]: about 190 bits, safe in any shell or URL.
std::string generate_password();

// The IDs of the password secret, made with a new password when it does not exist.
std::string ensure_password_secret(engine::Client& manager, const std::string& env);

// Secret name -> ID of the cluster TLS secrets (cluster_tls.h). Pieces left by an
// interrupted create are replaced.
std::map<std::string, std::string> ensure_cluster_tls_secrets(engine::Client& manager, const std::string& env);

// The admin password, read inside a running server of the environment (only a service
// that uses a secret can read it). Throws Error when no server runs.
std::string read_password(const std::vector<drivers::Node>& nodes, const std::string& env);

}  // namespace rsm::db
