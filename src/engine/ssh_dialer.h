// Reaches an engine over SSH the way the docker CLI does: every connection is the
// stdin/stdout of `ssh HOST docker system dial-stdio`, which forwards to the remote
// engine's socket.
//
// libcurl is given a unix socket of ours to connect to (in a folder only we may enter);
// each connection accepted there gets its own ssh process with the accepted socket as
// its stdin and stdout. (Handing libcurl a ready socketpair through its socket callbacks
// would be shorter, but libcurl 7.88 — Debian 12's — ignores CURL_SOCKOPT_ALREADY_CONNECTED
// and fails to connect such sockets; curl/curl#10626.)
#pragma once

#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/endpoint.h"
#include "util/subprocess.h"

namespace rsm::engine {

class SshDialer {
 public:
  explicit SshDialer(const Endpoint& endpoint);
  ~SshDialer();
  SshDialer(const SshDialer&) = delete;
  SshDialer& operator=(const SshDialer&) = delete;

  // The unix socket libcurl connects to.
  const std::string& socket_path() const { return socket_path_; }
  // What the ssh process of the latest connection printed (e.g. "Permission denied").
  std::string last_error();

  // The ssh command line (without the remote command); RSM_SSH_CONFIG names an ssh
  // config file (-F) for hosts that need special options.
  static std::vector<std::string> ssh_command(const Endpoint& endpoint);

 private:
  struct Connection {
    Subprocess process;
    int stderr_fd;
  };
  void accept_loop();
  void reap_finished();

  std::vector<std::string> argv_;
  std::string folder_;
  std::string socket_path_;
  int listener_ = -1;
  std::mutex mutex_;
  std::list<Connection> connections_;
  std::string last_error_;
  std::thread acceptor_;
};

}  // namespace rsm::engine
