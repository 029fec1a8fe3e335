#include "tunnel/local_tunnel.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "tunnel/forwarder.h"
#include "util/state_dir.h"

namespace rsm::tunnel {

namespace {

constexpr const char* kOffsetsFile = "tunnel-offsets";

}  // namespace

int local_port(const std::string& env, int remote_port) {
  std::map<std::string, int> offsets;
  std::istringstream lines(read_state(kOffsetsFile).value_or(""));
  std::string name;
  int offset = 0;
  while (lines >> name >> offset) offsets[name] = offset;
  if (!offsets.contains(env)) {
    int highest = 0;
    for (const auto& [other, used] : offsets) highest = std::max(highest, used);
    offsets[env] = highest + 1;
    std::string content;
    for (const auto& [other, used] : offsets) content += other + " " + std::to_string(used) + "\n";
    write_state(kOffsetsFile, content);
  }
  int port = remote_port + 100 * offsets[env];
  return port <= 65535 ? port : 0;
}

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
