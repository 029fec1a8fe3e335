#include "support/http_client.h"

#include <curl/curl.h>

#include <cctype>
#include <chrono>
#include <memory>

#include <fmt/format.h>

namespace rsm::testing {

namespace {

size_t append(char* data, size_t size, size_t count, void* body) {
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
}

using CurlHandle = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;

size_t take_header(char* data, size_t size, size_t count, void* headers) {
  std::string line(data, size * count);
  if (size_t colon = line.find(':'); colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t start = line.find_first_not_of(' ', colon + 1);
    size_t end = line.find_last_not_of("\r\n");
    (*static_cast<std::map<std::string, std::string>*>(headers))[name] =
        start == std::string::npos || end < start ? "" : line.substr(start, end - start + 1);
  }
  return size * count;
}

using SlistHandle = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

// "host:port:address" for CURLOPT_RESOLVE.
std::string resolve_entry(const std::string& url, const std::string& address) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), curl_url_cleanup);
  curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0);
  char *host = nullptr, *port = nullptr;
  curl_url_get(parsed.get(), CURLUPART_HOST, &host, 0);
  curl_url_get(parsed.get(), CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
  std::string entry = fmt::format("{}:{}:{}", host ? host : "", port ? port : "", address);
  curl_free(host);
  curl_free(port);
  return entry;
}

// The first certificate's "Expire date" from CURLINFO_CERTINFO: the server's own.
std::string served_expiry(CURL* curl) {
  curl_certinfo* info = nullptr;
  if (curl_easy_getinfo(curl, CURLINFO_CERTINFO, &info) != CURLE_OK || !info || info->num_of_certs < 1) return "";
  for (curl_slist* field = info->certinfo[0]; field; field = field->next)
    if (std::string text = field->data; text.rfind("Expire date:", 0) == 0) return text.substr(12);
  return "";
}

HttpAnswer get(CURL* curl, const std::string& url, long timeout_ms, const std::string& host = "",
               const HttpsTarget* target = nullptr) {
  HttpAnswer answer;
  SlistHandle headers(nullptr, curl_slist_free_all), resolve(nullptr, curl_slist_free_all);
  if (!host.empty()) headers.reset(curl_slist_append(nullptr, ("Host: " + host).c_str()));
  if (target) {
    resolve.reset(curl_slist_append(nullptr, resolve_entry(url, target->address).c_str()));
    curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve.get());
    curl_easy_setopt(curl, CURLOPT_CAINFO, target->ca_file.c_str());
    curl_easy_setopt(curl, CURLOPT_CERTINFO, 1L);
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, take_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &answer.headers);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
  if (CURLcode code = curl_easy_perform(curl); code != CURLE_OK) {
    answer.error = curl_easy_strerror(code);
    return answer;
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
  if (target) answer.certificate_expiry = served_expiry(curl);
  return answer;
}

}  // namespace

HttpAnswer http_get(const std::string& url, long timeout_ms, const std::string& host) {
  CurlHandle curl(curl_easy_init(), curl_easy_cleanup);
  return get(curl.get(), url, timeout_ms, host);
}

HttpAnswer https_get(const std::string& url, const HttpsTarget& target, long timeout_ms) {
  CurlHandle curl(curl_easy_init(), curl_easy_cleanup);
  return get(curl.get(), url, timeout_ms, "", &target);
}

SteadyLoad::SteadyLoad(std::vector<std::string> urls) : SteadyLoad(std::move(urls), {}, false) {}

SteadyLoad::SteadyLoad(std::vector<std::string> urls, std::vector<HttpsTarget> targets, bool new_connections)
    : urls_(std::move(urls)), targets_(std::move(targets)), new_connections_(new_connections) {
  thread_ = std::thread([this] {
    std::vector<CurlHandle> handles;
    for (size_t i = 0; i < urls_.size(); ++i) handles.emplace_back(curl_easy_init(), curl_easy_cleanup);
    for (size_t i = 0; !stopping_; i = (i + 1) % urls_.size()) {
      auto asked = std::chrono::steady_clock::now();
      if (new_connections_) handles[i].reset(curl_easy_init());
      HttpAnswer answer = get(handles[i].get(), urls_[i], 5000, "", targets_.empty() ? nullptr : &targets_[i]);
      ++result_.requests;
      if (answer.status == 200) {
        ++result_.bodies[answer.body];
        if (std::chrono::steady_clock::now() - asked > std::chrono::seconds(1)) ++result_.slow;
      } else
        result_.failures.push_back(answer.status ? fmt::format("{}: status {}", urls_[i], answer.status)
                                                 : fmt::format("{}: {}", urls_[i], answer.error));
    }
  });
}

SteadyLoad::~SteadyLoad() {
  if (thread_.joinable()) stop();
}

SteadyLoad::Result SteadyLoad::stop() {
  stopping_ = true;
  thread_.join();
  return result_;
}

}  // namespace rsm::testing
