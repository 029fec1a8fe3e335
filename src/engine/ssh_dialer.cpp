// A listener thread accepts libcurl's connections and starts an ssh process per
// connection with the socket as its stdin and stdout; ssh's stderr is kept to explain a
// failure.
#include "engine/ssh_dialer.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "util/error.h"

namespace rsm::engine {

std::vector<std::string> SshDialer::ssh_command(const Endpoint& endpoint) {
  std::vector<std::string> argv{"ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10"};
  if (const char* config = std::getenv("RSM_SSH_CONFIG"); config && *config) {
    argv.insert(argv.end(), {"-F", config});
  }
  argv.insert(argv.end(), endpoint.ssh_options.begin(), endpoint.ssh_options.end());
  if (endpoint.port) argv.insert(argv.end(), {"-p", std::to_string(endpoint.port)});
  if (!endpoint.user.empty()) argv.insert(argv.end(), {"-l", endpoint.user});
  argv.insert(argv.end(), {"--", endpoint.host});
  return argv;
}

std::vector<std::string> SshDialer::engine_command(const Endpoint& endpoint) {
  auto argv = ssh_command(endpoint);
  if (endpoint.sudo) argv.insert(argv.end(), {"sudo", "-n"});
  argv.insert(argv.end(), {"docker", "system", "dial-stdio"});
  return argv;
}

std::vector<std::string> SshDialer::socket_command(const Endpoint& endpoint, const std::string& path) {
  // ssh's own -W takes no socket path (OpenSSH 9.2), and sshd would open it as the login
  // user while the sockets are root's: socat, run as root, carries the connection.
  auto argv = ssh_command(endpoint);
  if (endpoint.sudo) argv.insert(argv.end(), {"sudo", "-n"});
  argv.insert(argv.end(), {"socat", "STDIO", "UNIX-CONNECT:" + path});
  return argv;
}

SshDialer::SshDialer(std::vector<std::string> argv) : argv_(std::move(argv)) {
  std::string pattern = (std::filesystem::temp_directory_path() / "rsm-ssh-XXXXXX").string();
  if (!mkdtemp(pattern.data()))  // mkdtemp makes the folder 0700: nobody else can connect
    throw Error(fmt::format("cannot create a private folder for the ssh connection: {}", std::strerror(errno)));
  folder_ = pattern;
  socket_path_ = folder_ + "/engine.sock";

  listener_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socket_path_.c_str());
  if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener_, 16) != 0) {
    int error = errno;
    if (listener_ >= 0) close(listener_);
    std::filesystem::remove_all(folder_);
    throw Error(fmt::format("cannot listen on {}: {}", socket_path_, std::strerror(error)));
  }
  acceptor_ = std::thread([this] { accept_loop(); });
}

SshDialer::~SshDialer() {
  shutdown(listener_, SHUT_RDWR);  // wakes accept()
  acceptor_.join();
  close(listener_);
  std::lock_guard lock(mutex_);
  for (auto& connection : connections_) {
    connection.process.terminate();
    close(connection.stderr_fd);
  }
  std::error_code ec;
  std::filesystem::remove_all(folder_, ec);
}

void SshDialer::accept_loop() {
  for (;;) {
    int connection = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (connection < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // the listener was shut down
    }
    int stderr_fd = memfd_create("rsm-ssh-stderr", MFD_CLOEXEC);
    std::lock_guard lock(mutex_);
    reap_finished();
    try {
      connections_.push_back({Subprocess::spawn(argv_, connection, connection, stderr_fd), stderr_fd});
    } catch (const std::exception& e) {
      last_error_ = e.what();
      close(stderr_fd);
    }
    close(connection);  // ssh has its own copy
  }
}

void SshDialer::reap_finished() {
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (it->process.try_wait() && std::next(it) != connections_.end()) {
      close(it->stderr_fd);
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
}

std::string SshDialer::last_error() {
  std::lock_guard lock(mutex_);
  if (connections_.empty()) return last_error_;
  char buffer[2048];
  ssize_t n = pread(connections_.back().stderr_fd, buffer, sizeof buffer, 0);
  std::string text(buffer, n > 0 ? static_cast<size_t>(n) : 0);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text.empty() ? last_error_ : text;
}

}  // namespace rsm::engine
