// DOCKER_HOST parsed as the docker CLI parses it, with DOCKER_TLS_VERIFY and
// DOCKER_CERT_PATH for TCP.
#include "engine/endpoint.h"

#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

#include "util/error.h"

namespace rsm::engine {

namespace {

std::string env_or(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

// Splits "host[:port]" (and "[v6]:port"); port stays 0 when absent.
void split_host_port(std::string_view text, std::string_view whole, std::string& host, int& port) {
  auto bad = [&] { return UsageError(fmt::format("invalid DOCKER_HOST '{}': expected HOST or HOST:PORT", whole)); };
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) throw bad();
    host = std::string(text.substr(1, close - 1));
    auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') throw bad();
      port_text = rest.substr(1);
    }
  } else {
    auto colon = text.rfind(':');
    host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) port_text = text.substr(colon + 1);
  }
  if (host.empty()) throw bad();
  if (!port_text.empty()) {
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port <= 0 || port > 65535) throw bad();
  }
}

}  // namespace

Endpoint Endpoint::unix_socket(std::string path) {
  Endpoint endpoint;
  endpoint.socket_path = std::move(path);
  return endpoint;
}

Endpoint Endpoint::parse(std::string_view docker_host) {
  Endpoint endpoint;
  if (docker_host.starts_with("unix://")) {
    endpoint.socket_path = std::string(docker_host.substr(7));
    if (endpoint.socket_path.empty() || endpoint.socket_path.front() != '/')
      throw UsageError(fmt::format("invalid DOCKER_HOST '{}': expected unix:///absolute/path", docker_host));
  } else if (docker_host.starts_with("tcp://")) {
    endpoint.kind = Kind::Tcp;
    auto rest = docker_host.substr(6);
    if (auto slash = rest.find('/'); slash != std::string_view::npos) rest = rest.substr(0, slash);
    split_host_port(rest, docker_host, endpoint.host, endpoint.port);
    endpoint.tls = !env_or("DOCKER_TLS_VERIFY", "").empty();
    if (endpoint.port == 0) endpoint.port = endpoint.tls ? 2376 : 2375;
    if (endpoint.tls) endpoint.cert_dir = env_or("DOCKER_CERT_PATH", env_or("HOME", "/root") + "/.docker");
  } else if (docker_host.starts_with("ssh://")) {
    endpoint.kind = Kind::Ssh;
    auto rest = docker_host.substr(6);
    if (auto slash = rest.find('/'); slash != std::string_view::npos) rest = rest.substr(0, slash);
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
      endpoint.user = std::string(rest.substr(0, at));
      rest = rest.substr(at + 1);
    }
    split_host_port(rest, docker_host, endpoint.host, endpoint.port);
  } else {
    throw UsageError(
        fmt::format("unsupported DOCKER_HOST '{}': use unix:///path, tcp://host:port or ssh://user@host", docker_host));
  }
  return endpoint;
}

Endpoint Endpoint::from_environment() {
  auto docker_host = env_or("DOCKER_HOST", "");
  return docker_host.empty() ? Endpoint{} : parse(docker_host);
}

std::string Endpoint::to_string() const {
  switch (kind) {
    case Kind::Unix:
      return "unix://" + socket_path;
    case Kind::Tcp:
      return fmt::format("tcp://{}:{}", host.find(':') != std::string::npos ? "[" + host + "]" : host, port);
    case Kind::Ssh:
      return fmt::format("ssh://{}{}{}", user.empty() ? "" : user + "@", host, port ? fmt::format(":{}", port) : "");
  }
  return {};
}

}  // namespace rsm::engine
