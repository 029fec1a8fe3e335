// Serving blocks SIGINT and SIGTERM on this thread before the forwarder's thread starts,
// and waits for one of them.
#include "tunnel/local_tunnel.h"

#include <pthread.h>
#include <signal.h>

#include "tunnel/forwarder.h"

namespace rsm::tunnel {

void serve_until_interrupted(const std::string& unix_socket, int port, const std::function<void(int)>& listening) {
  // The signals are taken by sigwait on this thread: block them before the forwarder's
  // thread starts, so that it inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  Forwarder forwarder(port, unix_socket);
  listening(forwarder.port());
  int received = 0;
  sigwait(&signals, &received);
}

}  // namespace rsm::tunnel
