// DigitalOcean's API v2 as rsm uses it: JSON over HTTPS with the user's token, under the
// API's manners. A list is followed page by page to its end; 429 (too many requests)
// waits for `retry-after` and asks again; a 5xx answer or a lost connection is asked
// again with a growing pause, except for POST: the API has no idempotency key, so a
// create whose answer was lost may have happened, and only the caller can look (by tag
// and name) before asking again. Any other error is one line with the API's own message
// and request id, and 401/403 say what is wrong with the token. The token lives in memory
// for the command: never stored, printed or logged (RSM_DEBUG_HTTP=1 prints each
// request's method, path, status and request id, never a header).
// The contract is DigitalOcean's OpenAPI description (../shared/reference/digitalocean-openapi).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace rsm::drivers::digitalocean {

using nlohmann::json;

// The token from DIGITALOCEAN_ACCESS_TOKEN, or the first line of token_file when one is
// given; UsageError naming both when neither has one.
std::string read_token(const std::string& token_file);
// Whether read_token would find one (without reading the file).
bool token_available(const std::string& token_file);

// DIGITALOCEAN_API_URL (another endpoint: the tests' stand-in), else the real API.
std::string api_url();

// An answer the API gave that is not a success (after the retries above).
class ApiError : public Error {
 public:
  ApiError(long status, std::string id, const std::string& line) : Error(line), status_(status), id_(std::move(id)) {}
  long status() const { return status_; }
  const std::string& id() const { return id_; }  // the API's error id: "not_found", "unprocessable_entity"...

 private:
  long status_;
  std::string id_;
};

struct ApiOptions {
  int attempts = 5;                            // for 429, 5xx and lost connections
  std::chrono::milliseconds first_pause{500};  // doubled after each 5xx or lost connection
  std::chrono::seconds longest_wait{60};       // the most a retry-after is waited for
  std::chrono::seconds request_timeout{30};
};

class Api {
 public:
  Api(std::string token, std::string base_url, ApiOptions options = {});
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  json get(std::string_view path);
  // Every item under `key` of a paged list (path may carry a query: "/v2/droplets?tag_name=x").
  std::vector<json> list(std::string_view path, std::string_view key);
  json post(std::string_view path, const json& body);
  json put(std::string_view path, const json& body);
  // DELETE; false when it was gone already (404).
  bool remove(std::string_view path, const json& body = nullptr);

  // Requests sent, retries included (for the bench's share of time spent in the API).
  size_t requests() const { return requests_; }

 private:
  struct Answer {
    long status = 0;
    std::string body;
    std::string retry_after;
    std::string request_id;
  };
  json call(const char* method, std::string_view path, const json& body, bool may_repeat);
  Answer send(const char* method, const std::string& url, const std::string& body);

  std::string token_;
  std::string base_url_;
  ApiOptions options_;
  std::mutex mutex_;  // one request at a time on the handle; callers may be threads
  struct Curl;
  std::unique_ptr<Curl> curl_;
  size_t requests_ = 0;
};

}  // namespace rsm::drivers::digitalocean
