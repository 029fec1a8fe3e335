#include "support/http_client.h"

#include <curl/curl.h>

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

HttpAnswer get(CURL* curl, const std::string& url, long timeout_ms, const std::string& host = "") {
  HttpAnswer answer;
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr, curl_slist_free_all);
  if (!host.empty()) headers.reset(curl_slist_append(nullptr, ("Host: " + host).c_str()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
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
  return answer;
}

}  // namespace

HttpAnswer http_get(const std::string& url, long timeout_ms, const std::string& host) {
  CurlHandle curl(curl_easy_init(), curl_easy_cleanup);
  return get(curl.get(), url, timeout_ms, host);
}

SteadyLoad::SteadyLoad(std::vector<std::string> urls) : urls_(std::move(urls)) {
  thread_ = std::thread([this] {
    std::vector<CurlHandle> handles;
    for (size_t i = 0; i < urls_.size(); ++i) handles.emplace_back(curl_easy_init(), curl_easy_cleanup);
    for (size_t i = 0; !stopping_; i = (i + 1) % urls_.size()) {
      auto asked = std::chrono::steady_clock::now();
      HttpAnswer answer = get(handles[i].get(), urls_[i], 5000);
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
