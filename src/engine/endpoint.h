// Where a Docker engine listens, in the DOCKER_HOST syntax the docker CLI uses.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rsm::engine {

struct Endpoint {
  enum class Kind { Unix, Tcp, Ssh };

  Kind kind = Kind::Unix;
  std::string socket_path = "/var/run/docker.sock";  // Unix
  std::string host;                                  // Tcp, Ssh
  int port = 0;                                      // Tcp; Ssh (0: ssh's default)
  std::string user;                                  // Ssh (empty: ssh's default)
  bool tls = false;                                  // Tcp
  std::string cert_dir;                              // Tcp with TLS: ca.pem, cert.pem, key.pem
  // Ssh: options given to ssh before the host (the ssh driver's pinned host keys and the
  // user's key file), and whether the remote commands run through `sudo -n` (a login
  // that is not root).
  std::vector<std::string> ssh_options;
  bool sudo = false;

  // unix:///path, tcp://host[:port], ssh://[user@]host[:port]. TLS settings come from
  // DOCKER_TLS_VERIFY / DOCKER_CERT_PATH as with the docker CLI. Throws UsageError.
  static Endpoint parse(std::string_view docker_host);
  // DOCKER_HOST, or the default socket.
  static Endpoint from_environment();
  static Endpoint unix_socket(std::string path);

  // The DOCKER_HOST value that reaches this engine.
  std::string to_string() const;
};

}  // namespace rsm::engine
