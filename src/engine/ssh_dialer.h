// Reaches a unix socket of another machine over SSH: every connection is the stdin/stdout
// of one ssh process. For an engine that is `ssh HOST docker system dial-stdio`, the way
// the docker CLI does it; for another socket (the relay's), `ssh HOST socat STDIO
// UNIX-CONNECT:PATH`.
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
  // Each connection runs argv, a whole ssh command line.
  explicit SshDialer(std::vector<std::string> argv);
  ~SshDialer();
  SshDialer(const SshDialer&) = delete;
  SshDialer& operator=(const SshDialer&) = delete;

  // The unix socket libcurl connects to.
  const std::string& socket_path() const { return socket_path_; }
  // What the ssh process of the latest connection printed (e.g. "Permission denied").
  std::string last_error();

  // The ssh command line up to the host, without a remote command; RSM_SSH_CONFIG names
  // an ssh config file (-F) for hosts that need special options.
  static std::vector<std::string> ssh_command(const Endpoint& endpoint);
  // The command line of a connection to the endpoint's engine.
  static std::vector<std::string> engine_command(const Endpoint& endpoint);
  // The command line of a connection to the unix socket `path` on the endpoint's machine.
  static std::vector<std::string> socket_command(const Endpoint& endpoint, const std::string& path);

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
