// A client for the Docker Engine HTTP API, over a unix socket, TCP (optionally TLS with
// client certificates) or SSH. The API version is negotiated on first use: the lower of
// what we speak and what the engine offers (GET /_ping's Api-Version). Failures follow
// util/error.h: EngineError when the engine answered otherwise than asked,
// UnreachableError when it could not be asked at all.
//
// A Client serialises its requests; use one Client per thread for parallel work.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/endpoint.h"
#include "util/error.h"

namespace rsm::engine {

using nlohmann::json;

// The newest API version whose semantics this client is written against. Engines that
// offer less (Debian 12's 20.10 speaks 1.41) get their own version; newer ones (whose
// minimum may be 1.44) get this one.
inline constexpr std::string_view kMaxApiVersion = "1.44";

// The engine answered, but not with success. what() carries the engine's own message
// and the request that failed.
class EngineError : public Error {
 public:
  EngineError(long status, std::string request, std::string engine_message, const std::string& where);
  long status() const { return status_; }
  const std::string& request() const { return request_; }
  const std::string& engine_message() const { return engine_message_; }
  bool not_found() const { return status_ == 404; }
  bool conflict() const { return status_ == 409; }

 private:
  long status_;
  std::string request_;
  std::string engine_message_;
};

// The engine could not be reached at all (no socket, refused, ssh failed, timeout).
class UnreachableError : public Error {
 public:
  using Error::Error;
};

// Nothing answers at the engine's unix socket (there is none, or nobody listens): this
// machine runs no engine, which is no fault for a user who drives machines elsewhere.
class NoEngineError : public UnreachableError {
 public:
  using UnreachableError::UnreachableError;
};

struct Response {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case

  bool ok() const { return status >= 200 && status < 300; }
  // The engine's own words for a failure: its JSON "message", or the body as text.
  std::string message() const;
};

// Produces the next chunk of an upload into the buffer; returns 0 at the end.
using Source = std::function<size_t(char* buffer, size_t capacity)>;
// Receives each chunk of a response body as it arrives.
using Sink = std::function<void(std::string_view chunk)>;

// A Source that reads a file descriptor (a pipe or socket) until its end.
Source fd_source(int fd);

enum class Method { Get, Post, Put, Delete, Head };

struct RequestOptions {
  std::optional<json> body;  // sent as application/json
  std::string raw_body;      // sent as is, with content_type
  std::string content_type;
  Source source;                     // streamed upload (chunked), with content_type
  Sink sink;                         // streamed download; Response::body stays empty
  long timeout_seconds = 120;        // 0: none (long streams)
  std::vector<std::string> headers;  // more request headers, "Name: value"
};

class HijackedStream;

class Client {
 public:
  explicit Client(Endpoint endpoint);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const Endpoint& endpoint() const { return endpoint_; }

  // The negotiated API version, e.g. "1.41"; pings the engine the first time.
  std::string api_version();

  // path is unversioned ("/containers/json"); the version prefix is added here.
  // Returns whatever the engine answered, success or not: for callers that read the
  // status themselves.
  Response request(Method method, std::string_view path, const RequestOptions& options = {});

  // Calls that throw EngineError unless the engine answered 2xx.
  json get(std::string_view path);
  json post(std::string_view path, const json& body = nullptr);
  void remove(std::string_view path);
  // GET of one object; nullopt when the engine has none (404).
  std::optional<json> find(std::string_view path);
  // DELETE that takes "already gone" (404) as done; false then.
  bool remove_if_present(std::string_view path);
  // The same, with the answer's status checked; for calls that need RequestOptions.
  Response checked(Method method, std::string_view path, const RequestOptions& options);

  // GET /_ping, unversioned: true when the engine answers OK. Never throws.
  bool ping();

  // POST on a connection of its own whose answer turns it into a raw stream both ways
  // (POST /exec/{id}/start with Upgrade: tcp, as `docker exec -i` does). Throws
  // EngineError when the engine refuses.
  std::unique_ptr<HijackedStream> hijack(std::string_view path, const json& body);

 private:
  // A libcurl easy handle (CURL*) set to reach the endpoint.
  void* new_handle();
  Response perform(Method method, const std::string& url_path, const RequestOptions& options);
  [[noreturn]] void throw_engine_error(Method method, std::string_view path, const Response& response);

  Endpoint endpoint_;
  std::string base_url_;
  std::string api_version_;
  struct Curl;
  std::unique_ptr<Curl> curl_;
  std::mutex mutex_;
};

std::string_view method_name(Method method);

// Returns true when version a (major.minor) is lower than b.
bool api_version_less(std::string_view a, std::string_view b);

}  // namespace rsm::engine
