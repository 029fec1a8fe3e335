// Reaches an engine over SSH the way the docker CLI does: every connection is the
// stdin/stdout of `ssh HOST docker system dial-stdio`, which forwards to the remote
// engine's socket. We hand libcurl one end of a socketpair and give ssh the other, so
// the HTTP code is the same for every transport.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "engine/endpoint.h"
#include "util/subprocess.h"

namespace rsm::engine {

class SshDialer {
 public:
  explicit SshDialer(const Endpoint& endpoint);

  // A connected socket, or -1 (with last_error() set) when ssh cannot be started.
  int open();
  // Closes a socket returned by open() and reaps its ssh process.
  void close(int fd);
  // What the ssh process of the last failed connection printed (e.g. "Permission denied").
  std::string last_error();

  // The ssh command line (without the remote command); RSM_SSH_CONFIG names an ssh
  // config file (-F) for hosts that need special options.
  static std::vector<std::string> ssh_command(const Endpoint& endpoint);

 private:
  struct Connection {
    Subprocess process;
    int stderr_fd;
  };
  std::vector<std::string> argv_;
  std::mutex mutex_;
  std::map<int, Connection> connections_;
  std::string last_error_;
};

}  // namespace rsm::engine
