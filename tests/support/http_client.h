// HTTP and HTTPS from the test process itself, with libcurl: single requests, and a steady
// load that counts every failed request (what "zero failed requests" is measured with).
#pragma once

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace rsm::testing {

struct HttpAnswer {
  long status = 0;  // 0: no HTTP answer at all
  std::string body;
  std::string error;                           // curl's reason when status is 0
  std::map<std::string, std::string> headers;  // by lower-case name
  std::string certificate_expiry;              // over TLS: the served certificate's "Expire date"
};

// host: the Host header to send, as a browser does for a name that leads to the URL's address.
HttpAnswer http_get(const std::string& url, long timeout_ms = 5000, const std::string& host = "");

// Where an https:// URL's host name leads (as DNS would say: the name stays the SNI and
// the Host header), and the root its chain must verify against.
struct HttpsTarget {
  std::string address;
  std::string ca_file;
};
HttpAnswer https_get(const std::string& url, const HttpsTarget& target, long timeout_ms = 5000);

// GETs the URLs in turn, one request at a time on one keep-alive connection per URL,
// from start until stop(). A failure is anything but a 200 within 5 s.
class SteadyLoad {
 public:
  struct Result {
    int requests = 0;
    std::vector<std::string> failures;  // "URL: status 503" / "URL: reason"
    int slow = 0;                       // answered 200, but after more than 1 s
    std::map<std::string, int> bodies;  // each distinct body and how often it came
  };

  explicit SteadyLoad(std::vector<std::string> urls);
  // Over HTTPS, targets[i] for urls[i]; with new_connections, a new connection (and TLS
  // handshake) for every request.
  SteadyLoad(std::vector<std::string> urls, std::vector<HttpsTarget> targets, bool new_connections);
  ~SteadyLoad();
  SteadyLoad(const SteadyLoad&) = delete;
  SteadyLoad& operator=(const SteadyLoad&) = delete;

  Result stop();

 private:
  std::vector<std::string> urls_;
  std::vector<HttpsTarget> targets_;
  bool new_connections_ = false;
  std::atomic<bool> stopping_{false};
  Result result_;
  std::thread thread_;
};

}  // namespace rsm::testing
