// The Engine API client on libcurl: one easy handle per Client, reused for every request
// (keep-alive), with the transport chosen by the endpoint and errors turned into the
// one-line messages of util/error.h.
#include "engine/client.h"

#include <curl/curl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <exception>

#include <fmt/format.h>

#include "engine/hijacked_stream.h"
#include "engine/ssh_dialer.h"

namespace rsm::engine {

namespace {

std::string trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  return std::string(text);
}

// Everything a transfer's callbacks need; errors thrown by a Sink or Source are kept
// here and rethrown once libcurl has unwound.
struct Transfer {
  const RequestOptions* options;
  Response* response;
  std::exception_ptr failure;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t bytes = size * count;
  if (!transfer->options->sink) {
    transfer->response->body.append(data, bytes);
    return bytes;
  }
  try {
    transfer->options->sink(std::string_view(data, bytes));
    return bytes;
  } catch (...) {
    transfer->failure = std::current_exception();
    return 0;  // aborts the transfer
  }
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (auto colon = line.find(':'); colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    transfer->response->headers[name] = trim(line.substr(colon + 1));
  }
  return size * count;
}

size_t on_upload(char* buffer, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  try {
    return transfer->options->source(buffer, size * count);
  } catch (...) {
    transfer->failure = std::current_exception();
    return CURL_READFUNC_ABORT;
  }
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

struct Client::Curl {
  CURL* handle = nullptr;
  std::unique_ptr<SshDialer> dialer;
  ~Curl() {
    if (handle) curl_easy_cleanup(handle);
  }
};

Source fd_source(int fd) {
  return [fd](char* buffer, size_t capacity) -> size_t {
    for (;;) {
      ssize_t n = read(fd, buffer, capacity);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) throw Error(fmt::format("reading the upload stream: {}", std::strerror(errno)));
    }
  };
}

std::string Response::message() const {
  auto parsed = json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("message") && parsed["message"].is_string())
    return parsed["message"].get<std::string>();
  return trim(body);
}

EngineError::EngineError(long status, std::string request, std::string engine_message, const std::string& where)
    : Error(fmt::format("{}: {} failed ({}): {}", where, request, status, engine_message)),
      status_(status),
      request_(std::move(request)),
      engine_message_(std::move(engine_message)) {}

std::string_view method_name(Method method) {
  switch (method) {
    case Method::Get:
      return "GET";
    case Method::Post:
      return "POST";
    case Method::Put:
      return "PUT";
    case Method::Delete:
      return "DELETE";
    case Method::Head:
      return "HEAD";
  }
  return "GET";
}

bool api_version_less(std::string_view a, std::string_view b) {
  auto parse = [](std::string_view v) {
    int major = 0, minor = 0;
    auto dot = v.find('.');
    std::from_chars(v.data(), v.data() + std::min(dot, v.size()), major);
    if (dot != std::string_view::npos) std::from_chars(v.data() + dot + 1, v.data() + v.size(), minor);
    return std::pair(major, minor);
  };
  return parse(a) < parse(b);
}

Client::Client(Endpoint endpoint) : endpoint_(std::move(endpoint)), curl_(std::make_unique<Curl>()) {
  static CurlGlobal global;
  if (endpoint_.kind == Endpoint::Kind::Ssh)
    curl_->dialer = std::make_unique<SshDialer>(SshDialer::engine_command(endpoint_));
  curl_->handle = new_handle();
}

void* Client::new_handle() {
  CURL* h = curl_easy_init();
  if (!h) throw Error("cannot initialise libcurl");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
  // RSM_DEBUG_HTTP=1 shows every request and answer on stderr, headers included.
  if (const char* debug = std::getenv("RSM_DEBUG_HTTP"); debug && *debug && *debug != '0')
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
  switch (endpoint_.kind) {
    case Endpoint::Kind::Unix:
      base_url_ = "http://localhost";
      curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, endpoint_.socket_path.c_str());
      break;
    case Endpoint::Kind::Tcp: {
      std::string host = endpoint_.host.find(':') != std::string::npos ? "[" + endpoint_.host + "]" : endpoint_.host;
      base_url_ = fmt::format("{}://{}:{}", endpoint_.tls ? "https" : "http", host, endpoint_.port);
      if (endpoint_.tls) {
        curl_easy_setopt(h, CURLOPT_CAINFO, (endpoint_.cert_dir + "/ca.pem").c_str());
        curl_easy_setopt(h, CURLOPT_SSLCERT, (endpoint_.cert_dir + "/cert.pem").c_str());
        curl_easy_setopt(h, CURLOPT_SSLKEY, (endpoint_.cert_dir + "/key.pem").c_str());
      }
      break;
    }
    case Endpoint::Kind::Ssh:
      base_url_ = "http://localhost";
      curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, curl_->dialer->socket_path().c_str());
      break;
  }
  return h;
}

Client::~Client() = default;

Response Client::perform(Method method, const std::string& url_path, const RequestOptions& options) {
  CURL* h = curl_->handle;
  Response response;
  Transfer transfer{&options, &response, nullptr};

  std::string url = base_url_ + url_path;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_TIMEOUT, options.timeout_seconds);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);  // resets any body setting of the previous request
  curl_easy_setopt(h, CURLOPT_NOBODY, method == Method::Head ? 1L : 0L);

  curl_slist* headers = nullptr;
  std::string body;
  if (options.body) {
    body = options.body->dump();
    headers = curl_slist_append(headers, "Content-Type: application/json");
  } else if (!options.raw_body.empty()) {
    body = options.raw_body;
  }
  if (!options.content_type.empty())
    headers = curl_slist_append(headers, ("Content-Type: " + options.content_type).c_str());
  if (options.source) {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, -1L);  // unknown length: chunked
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_upload);
    curl_easy_setopt(h, CURLOPT_READDATA, &transfer);
    headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
  } else if (method == Method::Post || method == Method::Put || !body.empty()) {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  for (const auto& header : options.headers) headers = curl_slist_append(headers, header.c_str());
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method_name(method).data());

  CURLcode code = curl_easy_perform(h);
  long os_errno = 0;
  curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, nullptr);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, nullptr);
  curl_slist_free_all(headers);

  if (transfer.failure) std::rethrow_exception(transfer.failure);
  if (code == CURLE_OK) return response;

  std::string where = endpoint_.to_string();
  std::string request = fmt::format("{} {}", method_name(method), url_path);
  if (code == CURLE_OPERATION_TIMEDOUT)
    throw UnreachableError(
        fmt::format("the Docker engine at {} did not answer {} within {} s", where, request, options.timeout_seconds));
  if (endpoint_.kind == Endpoint::Kind::Unix && code == CURLE_COULDNT_CONNECT) {
    if (os_errno == ENOENT)
      throw NoEngineError(
          fmt::format("no Docker engine at {}: the socket does not exist; start dockerd or set DOCKER_HOST", where));
    if (os_errno == EACCES)
      throw UnreachableError(
          fmt::format("no permission on {}: run as root or add your user to the docker group", where));
    if (os_errno == ECONNREFUSED)
      throw NoEngineError(fmt::format("the Docker engine at {} refuses connections; is dockerd running?", where));
    throw UnreachableError(fmt::format("the Docker engine at {} refuses connections ({}); is dockerd running?", where,
                                       std::strerror(static_cast<int>(os_errno))));
  }
  std::string detail = curl_easy_strerror(code);
  if (curl_->dialer) {
    if (auto ssh_error = curl_->dialer->last_error(); !ssh_error.empty()) detail = ssh_error;
  }
  throw UnreachableError(fmt::format("cannot reach the Docker engine at {}: {}", where, detail));
}

std::string Client::api_version() {
  std::lock_guard lock(mutex_);
  if (!api_version_.empty()) return api_version_;
  Response pong = perform(Method::Get, "/_ping", {.timeout_seconds = 15});
  if (pong.status != 200 || !pong.headers.contains("api-version"))
    throw UnreachableError(fmt::format("{} does not answer like a Docker engine (GET /_ping: {} {})",
                                       endpoint_.to_string(), pong.status, trim(pong.body)));
  const std::string& offered = pong.headers["api-version"];
  api_version_ = api_version_less(offered, kMaxApiVersion) ? offered : std::string(kMaxApiVersion);
  return api_version_;
}

bool Client::ping() {
  try {
    std::lock_guard lock(mutex_);
    return perform(Method::Get, "/_ping", {.timeout_seconds = 5}).status == 200;
  } catch (const Error&) {
    return false;
  }
}

Response Client::request(Method method, std::string_view path, const RequestOptions& options) {
  std::string version = api_version();
  std::lock_guard lock(mutex_);
  return perform(method, fmt::format("/v{}{}", version, path), options);
}

void Client::throw_engine_error(Method method, std::string_view path, const Response& response) {
  throw EngineError(response.status, fmt::format("{} {}", method_name(method), path), response.message(),
                    "engine at " + endpoint_.to_string());
}

Response Client::checked(Method method, std::string_view path, const RequestOptions& options) {
  Response response = request(method, path, options);
  if (!response.ok()) throw_engine_error(method, path, response);
  return response;
}

json Client::get(std::string_view path) {
  Response response = checked(Method::Get, path, {});
  return response.body.empty() ? json() : json::parse(response.body);
}

json Client::post(std::string_view path, const json& body) {
  RequestOptions options;
  if (!body.is_null()) options.body = body;
  Response response = checked(Method::Post, path, options);
  auto parsed = json::parse(response.body, nullptr, false);
  return parsed.is_discarded() ? json() : parsed;
}

void Client::remove(std::string_view path) { checked(Method::Delete, path, {}); }

std::optional<json> Client::find(std::string_view path) {
  Response response = request(Method::Get, path, {});
  if (response.status == 404) return std::nullopt;
  if (!response.ok()) throw_engine_error(Method::Get, path, response);
  return json::parse(response.body);
}

std::unique_ptr<HijackedStream> Client::hijack(std::string_view path, const json& body) {
  std::string version = api_version();
  CURL* h = static_cast<CURL*>(new_handle());
  curl_easy_setopt(h, CURLOPT_URL, base_url_.c_str());
  curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
  if (CURLcode code = curl_easy_perform(h); code != CURLE_OK) {
    curl_easy_cleanup(h);
    throw UnreachableError(
        fmt::format("cannot reach the Docker engine at {}: {}", endpoint_.to_string(), curl_easy_strerror(code)));
  }
  std::string payload = body.dump();
  std::string request = fmt::format(
      "POST /v{}{} HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
      "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
      version, path, payload.size(), payload);
  bool half_close = endpoint_.kind != Endpoint::Kind::Tcp || !endpoint_.tls;  // TLS has no half-close
  return std::make_unique<HijackedStream>(h, request, "engine at " + endpoint_.to_string(), half_close);
}

bool Client::remove_if_present(std::string_view path) {
  Response response = request(Method::Delete, path, {});
  if (response.status == 404) return false;
  if (!response.ok()) throw_engine_error(Method::Delete, path, response);
  return true;
}

}  // namespace rsm::engine
