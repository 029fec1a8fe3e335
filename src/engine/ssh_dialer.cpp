#include "engine/ssh_dialer.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace rsm::engine {

std::vector<std::string> SshDialer::ssh_command(const Endpoint& endpoint) {
  std::vector<std::string> argv{"ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10"};
  if (const char* config = std::getenv("RSM_SSH_CONFIG"); config && *config) {
    argv.insert(argv.end(), {"-F", config});
  }
  if (endpoint.port) argv.insert(argv.end(), {"-p", std::to_string(endpoint.port)});
  if (!endpoint.user.empty()) argv.insert(argv.end(), {"-l", endpoint.user});
  argv.insert(argv.end(), {"--", endpoint.host});
  return argv;
}

SshDialer::SshDialer(const Endpoint& endpoint) : argv_(ssh_command(endpoint)) {
  argv_.insert(argv_.end(), {"docker", "system", "dial-stdio"});
}

int SshDialer::open() {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    std::lock_guard lock(mutex_);
    last_error_ = fmt::format("socketpair: {}", std::strerror(errno));
    return -1;
  }
  int stderr_fd = memfd_create("rsm-ssh-stderr", MFD_CLOEXEC);
  try {
    auto process = Subprocess::spawn(argv_, pair[1], pair[1], stderr_fd);
    ::close(pair[1]);
    std::lock_guard lock(mutex_);
    connections_.emplace(pair[0], Connection{std::move(process), stderr_fd});
    return pair[0];
  } catch (const std::exception& e) {
    ::close(pair[0]);
    ::close(pair[1]);
    if (stderr_fd >= 0) ::close(stderr_fd);
    std::lock_guard lock(mutex_);
    last_error_ = e.what();
    return -1;
  }
}

void SshDialer::close(int fd) {
  ::close(fd);
  std::lock_guard lock(mutex_);
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  // Closing our end makes dial-stdio (and so ssh) exit; wait() reaps it.
  it->second.process.wait();
  if (it->second.stderr_fd >= 0) {
    char buffer[2048];
    ssize_t n = pread(it->second.stderr_fd, buffer, sizeof buffer - 1, 0);
    std::string text(buffer, n > 0 ? static_cast<size_t>(n) : 0);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (!text.empty()) last_error_ = text;
    ::close(it->second.stderr_fd);
  }
  connections_.erase(it);
}

std::string SshDialer::last_error() {
  std::lock_guard lock(mutex_);
  return last_error_;
}

}  // namespace rsm::engine
