// rsm-edge-certs: the program of the global service rsm-edge-certs
// (proxy/edge_certificates.h). On each node it writes the certificates the swarm mounted
// in /run/secrets into the edge folder the proxy reads (proxy/edge_folder.h), lists them
// for HAProxy, removes those no longer handed out, and asks HAProxy's master process to
// reload, which it does without closing a connection; then it waits to be stopped. New
// certificates come as a new task: the service's update. One static binary in a FROM
// scratch image, like the relay.
//
//   rsm-edge-certs run     write, reload, then wait
//   rsm-edge-certs check   the task's health check: exit 0 once `run` has written
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <string_view>

#include "proxy/edge_folder.h"

namespace fs = std::filesystem;

namespace {

constexpr const char* kSecrets = "/run/secrets";
constexpr const char* kWritten = "/written";  // in the task's own file system: gone with it

// Writes `content` to `path` through a temporary file, so that HAProxy never reads half a file.
void write_file(const fs::path& path, const std::string& content) {
  fs::path temporary = path;
  temporary += ".partial";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out.flush()) throw std::runtime_error("cannot write " + temporary.string());
  }
  fs::permissions(temporary, fs::perms::owner_read | fs::perms::owner_write);
  fs::rename(temporary, path);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// HAProxy's master CLI reloads on `reload`; no proxy yet (or none listening) is no
// failure: a starting proxy reads the folder anyway.
void ask_proxy_to_reload() {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, rsm::proxy::kMasterSocket, sizeof address.sun_path - 1);
  timeval timeout{.tv_sec = 10, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    std::string_view command = "reload\n";
    if (write(fd, command.data(), command.size()) == static_cast<ssize_t>(command.size())) {
      char answer[256];
      while (read(fd, answer, sizeof answer) > 0) {
      }
      std::puts("asked the edge proxy to reload");
    }
  } else {
    std::puts("no edge proxy answers on this node yet: it reads the certificates when it starts");
  }
  close(fd);
}

void write_certificates() {
  fs::create_directories(rsm::proxy::kCertificateFolder);
  std::set<fs::path> handed_out;
  std::string list;
  for (const auto& entry : fs::directory_iterator(kSecrets)) {
    if (!entry.is_regular_file()) continue;
    fs::path target = fs::path(rsm::proxy::kCertificateFolder) / (entry.path().filename().string() + ".pem");
    write_file(target, read_file(entry.path()));
    handed_out.insert(target);
    list += target.string() + "\n";
  }
  write_file(rsm::proxy::kCertificateList, list);
  for (const auto& entry : fs::directory_iterator(rsm::proxy::kCertificateFolder))
    if (!handed_out.contains(entry.path())) fs::remove(entry.path());
  std::printf("%zu certificate(s) in %s\n", handed_out.size(), rsm::proxy::kCertificateFolder);
  std::fflush(stdout);
}

void stop(int) { _exit(0); }

}  // namespace

int main(int argc, char** argv) {
  std::string command = argc > 1 ? argv[1] : "";
  if (command == "check") return fs::exists(kWritten) ? 0 : 1;
  if (command != "run") {
    std::fprintf(stderr, "usage: rsm-edge-certs run|check\n");
    return 2;
  }
  // PID 1 of its container: without handlers, SIGTERM would be ignored.
  signal(SIGTERM, stop);
  signal(SIGINT, stop);
  try {
    if (!fs::exists(kSecrets)) fs::create_directories(kSecrets);  // no certificates: an empty folder
    write_certificates();
    ask_proxy_to_reload();
    write_file(kWritten, "");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rsm-edge-certs: %s\n", e.what());
    return 1;
  }
  std::fflush(stdout);
  for (;;) pause();
}
