// DigitalOcean's API v2 over libcurl, with its manners: see api.h.
#include "drivers/digitalocean/api.h"

#include <curl/curl.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <fmt/format.h>

namespace rsm::drivers::digitalocean {

namespace {

constexpr const char* kRealApi = "https://api.digitalocean.com";

bool debugging() {
  const char* debug = std::getenv("RSM_DEBUG_HTTP");
  return debug && *debug && *debug != '0';
}

size_t append_body(char* data, size_t size, size_t count, void* answer) {
  static_cast<std::string*>(answer)->append(data, size * count);
  return size * count;
}

// The headers rsm reads: retry-after and x-request-id (names are case-insensitive).
struct Headers {
  std::string retry_after, request_id;
};

size_t read_header(char* data, size_t size, size_t count, void* out) {
  std::string_view line(data, size * count);
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    auto* headers = static_cast<Headers*>(out);
    if (name == "retry-after") headers->retry_after = value;
    if (name == "x-request-id") headers->request_id = value;
  }
  return size * count;
}

// The path and query of a link the API gives (an absolute URL on its own host), so that
// the next page is asked of the endpoint rsm talks to.
std::string path_of(const std::string& link) {
  auto scheme = link.find("://");
  if (scheme == std::string::npos) return link;
  auto slash = link.find('/', scheme + 3);
  return slash == std::string::npos ? "/" : link.substr(slash);
}

// "METHOD /path", without the query string (which can be long and says little).
std::string request_line(const char* method, std::string_view path) {
  return fmt::format("{} {}", method, path.substr(0, path.find('?')));
}

}  // namespace

struct Api::Curl {
  CURL* handle = nullptr;
  ~Curl() {
    if (handle) curl_easy_cleanup(handle);
  }
};

bool token_available(const std::string& token_file) {
  const char* variable = std::getenv("DIGITALOCEAN_ACCESS_TOKEN");
  return !token_file.empty() || (variable && *variable);
}

std::string read_token(const std::string& token_file) {
  std::string token;
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    if (!in) throw UsageError(fmt::format("cannot read --token-file {}: give a file holding the token", token_file));
    std::getline(in, token);
    while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
    if (token.empty())
      throw UsageError(fmt::format("--token-file {} is empty: put the token on its first line", token_file));
    return token;
  }
  if (const char* variable = std::getenv("DIGITALOCEAN_ACCESS_TOKEN"); variable && *variable) return variable;
  throw UsageError(
      "no DigitalOcean token: set DIGITALOCEAN_ACCESS_TOKEN or give --token-file (make one at "
      "https://cloud.digitalocean.com/account/api/tokens, with write access)");
}

std::string api_url() {
  const char* url = std::getenv("DIGITALOCEAN_API_URL");
  std::string chosen = url && *url ? url : kRealApi;
  while (!chosen.empty() && chosen.back() == '/') chosen.pop_back();
  return chosen;
}

Api::Api(std::string token, std::string base_url, ApiOptions options)
    : token_(std::move(token)), base_url_(std::move(base_url)), options_(options), curl_(std::make_unique<Curl>()) {
  curl_->handle = curl_easy_init();
  if (!curl_->handle) throw Error("cannot initialise libcurl");
  curl_easy_setopt(curl_->handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_->handle, CURLOPT_CONNECTTIMEOUT, 10L);
}

Api::~Api() = default;

Api::Answer Api::send(const char* method, const std::string& url, const std::string& body) {
  CURL* h = curl_->handle;
  Answer answer;
  Headers headers;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_TIMEOUT, static_cast<long>(options_.request_timeout.count()));
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, read_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &headers);
  curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);  // resets the body setting of the request before
  if (!body.empty()) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  std::string authorization = "Authorization: Bearer " + token_;
  curl_slist* list = curl_slist_append(nullptr, authorization.c_str());
  list = curl_slist_append(list, "Content-Type: application/json");
  list = curl_slist_append(list, "Accept: application/json");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
  CURLcode code = curl_easy_perform(h);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(list);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &answer.status);
  if (code != CURLE_OK) answer.status = 0, answer.body = curl_easy_strerror(code);
  answer.retry_after = headers.retry_after;
  answer.request_id = headers.request_id;
  ++requests_;
  if (debugging())
    std::fprintf(stderr, "digitalocean: %s %s -> %ld%s%s\n", method, url.c_str(), answer.status,
                 answer.request_id.empty() ? "" : " request ", answer.request_id.c_str());
  return answer;
}

json Api::call(const char* method, std::string_view path, const json& body, bool may_repeat) {
  std::string url = base_url_ + std::string(path);
  std::string text = body.is_null() ? "" : body.dump();
  auto pause = options_.first_pause;
  std::lock_guard lock(mutex_);
  for (int attempt = 1;; ++attempt) {
    Answer answer = send(method, url, text);
    if (answer.status >= 200 && answer.status < 300) {
      if (answer.body.empty()) return json();
      auto parsed = json::parse(answer.body, nullptr, false);
      if (parsed.is_discarded())
        throw Error(fmt::format("DigitalOcean answered {} with something that is not JSON; try again later",
                                request_line(method, path)));
      return parsed;
    }
    bool last = attempt >= options_.attempts;
    // Too many requests: nothing was done, whatever the method. Wait as long as it says.
    if (answer.status == 429 && !last) {
      auto wait = std::chrono::seconds(std::atoi(answer.retry_after.c_str()));
      std::this_thread::sleep_for(answer.retry_after.empty()
                                      ? std::chrono::duration_cast<std::chrono::milliseconds>(pause)
                                      : std::chrono::milliseconds(std::min(wait, options_.longest_wait)));
      pause *= 2;
      continue;
    }
    bool transient = answer.status == 0 || answer.status >= 500;
    if (transient && may_repeat && !last) {
      std::this_thread::sleep_for(pause);
      pause *= 2;
      continue;
    }
    if (answer.status == 0)
      throw Error(fmt::format("cannot reach DigitalOcean at {} ({}): check the network, or DIGITALOCEAN_API_URL",
                              base_url_, answer.body));
    // The API's error body: {id, message, request_id}.
    auto error = json::parse(answer.body, nullptr, false);
    std::string id = error.is_object() ? error.value("id", "") : "";
    std::string message = error.is_object() ? error.value("message", "") : "";
    std::string request_id = error.is_object() ? error.value("request_id", answer.request_id) : answer.request_id;
    // Another shape of error (a proxy's, say): its first line says more than nothing.
    std::string said =
        !message.empty() ? message : answer.body.substr(0, std::min<size_t>(answer.body.find('\n'), 200));
    if (said.empty()) said = "no message";
    std::string request = request_id.empty() ? "" : fmt::format(" (request {})", request_id);
    if (answer.status == 401)
      throw ApiError(401, id,
                     fmt::format("DigitalOcean refused the token ({}){}: set DIGITALOCEAN_ACCESS_TOKEN or --token-file "
                                 "to a valid token",
                                 said, request));
    if (answer.status == 403)
      throw ApiError(403, id,
                     fmt::format("DigitalOcean refused {} ({}){}: the token is read-only or lacks that scope; make "
                                 "one with write access",
                                 request_line(method, path), said, request));
    throw ApiError(answer.status, id,
                   fmt::format("DigitalOcean refused {} ({} {}): {}{}{}", request_line(method, path), answer.status,
                               id.empty() ? "error" : id, said, request, transient ? "; try again later" : ""));
  }
}

json Api::get(std::string_view path) { return call("GET", path, nullptr, true); }

json Api::post(std::string_view path, const json& body) { return call("POST", path, body, false); }

json Api::put(std::string_view path, const json& body) { return call("PUT", path, body, true); }

bool Api::remove(std::string_view path, const json& body) {
  try {
    call("DELETE", path, body, true);
    return true;
  } catch (const ApiError& e) {
    if (e.status() == 404) return false;
    throw;
  }
}

std::vector<json> Api::list(std::string_view path, std::string_view key) {
  std::vector<json> items;
  std::string next(path);
  while (!next.empty()) {
    json page = get(next);
    if (page.contains(key) && page[std::string(key)].is_array())
      for (auto& item : page[std::string(key)]) items.push_back(std::move(item));
    next.clear();
    if (auto links = page.find("links"); links != page.end() && links->is_object())
      if (auto pages = links->find("pages"); pages != links->end() && pages->is_object())
        if (auto link = pages->find("next"); link != pages->end() && link->is_string()) next = path_of(*link);
  }
  return items;
}

}  // namespace rsm::drivers::digitalocean
