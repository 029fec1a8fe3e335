// Secrets through a manager's engine; the password is read back by exec in a server's
// container, where the swarm mounts it.
#include "db/secrets.h"

#include <openssl/rand.h>

#include <algorithm>

#include <fmt/format.h>

#include "db/cluster_tls.h"
#include "db/layout.h"
#include "engine/exec.h"
#include "engine/url.h"
#include "swarm/resources.h"
#include "util/error.h"

namespace rsm::db {

using engine::json;

std::string generate_password() {
  static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string password;
  while (password.size() < 32) {
    unsigned char bytes[64];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
      throw Error("cannot generate the admin password: OpenSSL has no randomness");
    for (unsigned char byte : bytes)  // 248 = 4 * 62: no value is likelier than another
      if (byte < 248 && password.size() < 32) password += alphabet[byte % alphabet.size()];
  }
  return password;
}

std::string ensure_password_secret(engine::Client& manager, const std::string& env) {
  return swarm::ensure_secret(manager, kPasswordSecret, cluster_labels(env), generate_password);
}

std::map<std::string, std::string> ensure_cluster_tls_secrets(engine::Client& manager, const std::string& env) {
  std::map<std::string, std::string> ids;
  const std::vector<std::string> names{kClusterCaSecret, kClusterCertSecret, kClusterKeySecret};
  for (const auto& secret : swarm::list_objects(manager, "secrets", cluster_filters(env)))
    if (std::find(names.begin(), names.end(), secret.name) != names.end()) ids[secret.name] = secret.id;
  if (ids.size() == names.size()) return ids;
  for (const auto& [name, id] : ids) manager.remove("/secrets/" + id);
  ClusterTls tls = make_cluster_tls(env);
  json labels = cluster_labels(env);
  auto made = [&](const std::string& value) { return [value] { return value; }; };
  return {{kClusterCaSecret, swarm::ensure_secret(manager, kClusterCaSecret, labels, made(tls.ca_certificate))},
          {kClusterCertSecret, swarm::ensure_secret(manager, kClusterCertSecret, labels, made(tls.certificate))},
          {kClusterKeySecret, swarm::ensure_secret(manager, kClusterKeySecret, labels, made(tls.private_key))}};
}

std::string read_password(const std::vector<drivers::Node>& nodes, const std::string& env) {
  json filters{{"label", cluster_filters(env)}, {"status", json::array({"running"})}};
  for (const auto& node : nodes) {
    if (!node.running()) continue;
    engine::Client engine(node.engine);
    for (const auto& container : engine.get("/containers/json?filters=" + engine::encode_filters(filters))) {
      std::string out;
      int code =
          engine::exec_in_container(engine, container["Id"], {"cat", std::string("/run/secrets/") + kPasswordSecret},
                                    [&](engine::StreamKind kind, std::string_view text) {
                                      if (kind == engine::StreamKind::Stdout) out += text;
                                    });
      if (code == 0 && !out.empty()) return out;
    }
  }
  throw Error(
      fmt::format("no RethinkDB server of {0} is running to read the password from (a swarm secret can only be "
                  "read by its services): start them with `rsm db create {0}`",
                  env));
}

}  // namespace rsm::db
