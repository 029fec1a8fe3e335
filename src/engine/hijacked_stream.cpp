// The request and the answer's head are written and read here by hand: libcurl does not
// hand a connection over after a 101 answer, but with CURLOPT_CONNECT_ONLY it connects
// (and speaks TLS) and lets curl_easy_send/recv carry any bytes.
#include "engine/hijacked_stream.h"

#include <curl/curl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "engine/client.h"

namespace rsm::engine {

namespace {

constexpr int kAnswerSeconds = 60;

CURL* handle(void* curl) { return static_cast<CURL*>(curl); }

// The status and the body's length (-1: to the end) of an answer's head.
std::pair<long, long> read_head(std::string_view head) {
  long status = 0;
  if (auto space = head.find(' '); space != std::string_view::npos) status = std::atol(head.data() + space + 1);
  long length = -1;
  std::string lower(head);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (auto at = lower.find("\r\ncontent-length:"); at != std::string::npos)
    length = std::atol(lower.c_str() + at + std::strlen("\r\ncontent-length:"));
  return {status, length};
}

}  // namespace

HijackedStream::HijackedStream(void* curl_handle, std::string_view request, std::string where, bool half_close)
    : curl_(curl_handle), where_(std::move(where)), half_close_(half_close) {
  try {
    open(request);
  } catch (...) {
    curl_easy_cleanup(handle(curl_));  // no destructor runs for a constructor that throws
    throw;
  }
}

void HijackedStream::open(std::string_view request) {
  curl_socket_t socket = CURL_SOCKET_BAD;
  curl_easy_getinfo(handle(curl_), CURLINFO_ACTIVESOCKET, &socket);
  fd_ = static_cast<int>(socket);
  std::string request_line(request.substr(0, request.find(" HTTP/")));
  write(request);

  std::string answer;
  size_t head_end;
  while ((head_end = answer.find("\r\n\r\n")) == std::string::npos) {
    wait_for(POLLIN, kAnswerSeconds);
    if (!read_available(answer) && answer.find("\r\n\r\n") == std::string::npos)
      throw UnreachableError(fmt::format("{}: {} ended before its answer", where_, request_line));
  }
  auto [status, length] = read_head(std::string_view(answer).substr(0, head_end));
  pending_ = answer.substr(head_end + 4);
  if (status == 101 || status == 200) return;

  // A refusal: its body is the engine's JSON message.
  while (length < 0 || static_cast<long>(pending_.size()) < length) {
    wait_for(POLLIN, kAnswerSeconds);
    if (!read_available(pending_)) break;
  }
  Response response{.status = status, .body = pending_};
  throw EngineError(status, request_line, response.message(), where_);
}

HijackedStream::~HijackedStream() { curl_easy_cleanup(handle(curl_)); }

bool HijackedStream::read_available(std::string& out) {
  if (!pending_.empty()) {
    out += pending_;
    pending_.clear();
  }
  char buffer[16384];
  for (;;) {
    size_t received = 0;
    CURLcode code = curl_easy_recv(handle(curl_), buffer, sizeof buffer, &received);
    if (code == CURLE_AGAIN) return true;
    if (code != CURLE_OK || received == 0) return false;
    out.append(buffer, received);
  }
}

void HijackedStream::write(std::string_view bytes) {
  while (!bytes.empty()) {
    size_t sent = 0;
    CURLcode code = curl_easy_send(handle(curl_), bytes.data(), bytes.size(), &sent);
    if (code == CURLE_AGAIN) {
      wait_for(POLLOUT, kAnswerSeconds);
      continue;
    }
    if (code != CURLE_OK)
      throw UnreachableError(fmt::format("{}: the stream broke: {}", where_, curl_easy_strerror(code)));
    bytes.remove_prefix(sent);
  }
}

void HijackedStream::close_write() {
  if (half_close_) shutdown(fd_, SHUT_WR);
}

void HijackedStream::wait_for(short events, int seconds) {
  pollfd ready{.fd = fd_, .events = events, .revents = 0};
  int result;
  while ((result = poll(&ready, 1, seconds * 1000)) < 0 && errno == EINTR) {
  }
  if (result == 0) throw UnreachableError(fmt::format("{} did not answer within {} s", where_, seconds));
}

}  // namespace rsm::engine
