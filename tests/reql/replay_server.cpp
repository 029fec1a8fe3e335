#include "replay_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "reql/frame.h"

namespace rsm::testing {

using nlohmann::json;

namespace {

bool send_all(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

ReplayServer::ReplayServer(const json& handshake) {
  for (const auto& message : handshake["messages"])
    if (message["dir"] == "s2c") handshake_replies_.push_back(message["text"].get<std::string>() + '\0');
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
  listen(listener_, 16);
  socklen_t length = sizeof address;
  getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

ReplayServer::~ReplayServer() {
  stopping_ = true;
  shutdown(listener_, SHUT_RDWR);
  thread_.join();
  close(listener_);
}

void ReplayServer::add(const json& query, std::vector<std::string> responses) {
  std::lock_guard lock(mutex_);
  answers_[query.dump()].push_back(std::move(responses));
}

void ReplayServer::serve() {
  std::vector<std::thread> sessions;
  for (;;) {
    int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) break;
    ++connections_;
    sessions.emplace_back([this, fd] { serve_connection(fd); });
  }
  for (auto& session : sessions) session.join();
}

void ReplayServer::serve_connection(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tick{0, 200000};  // wake up now and then to notice the end of the test
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
  std::string handshake_bytes;
  int nuls = 0;
  reql::FrameReader frames;
  std::map<uint64_t, std::pair<std::vector<std::string>, size_t>> open;  // token -> answers, next
  char buffer[65536];
  while (!stopping_) {
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) break;
    std::string_view chunk(buffer, static_cast<size_t>(n));
    // Handshake: magic + client-first (NUL), then client-final (NUL).
    while (nuls < 2 && !chunk.empty()) {
      auto nul = chunk.find('\0');
      if (nul == std::string_view::npos) {
        chunk = {};
        break;
      }
      chunk.remove_prefix(nul + 1);
      if (++nuls == 1) send_all(fd, handshake_replies_.at(0) + handshake_replies_.at(1));
      else send_all(fd, handshake_replies_.at(2));
    }
    if (chunk.empty()) continue;
    frames.feed(chunk);
    std::vector<reql::Frame> received;
    frames.drain(received);
    for (const auto& frame : received) {
      json query = json::parse(frame.json);
      int type = query[0].get<int>();
      auto reply = [&](const std::string& text) { return send_all(fd, reql::encode_frame(frame.token, text)); };
      if (type == 1) {
        if (query.size() > 2 && query[2].value("noreply", false)) continue;
        if (query[1] == "hang up") {
          close(fd);
          return;
        }
        if (query[1] == "ignore") continue;
        std::vector<std::string> answers;
        {
          std::lock_guard lock(mutex_);
          auto it = answers_.find(query.dump());
          if (it != answers_.end() && !it->second.empty()) {
            answers = std::move(it->second.front());
            it->second.pop_front();
          }
        }
        if (answers.empty() && query[1].is_string()) answers = {json{{"t", 1}, {"r", {query[1]}}}.dump()};
        if (answers.empty()) answers = {R"({"t":16,"r":["replay: no recording of this query"],"b":[]})"};
        reply(answers[0]);
        open[frame.token] = {std::move(answers), 1};
      } else if (type == 2) {
        auto it = open.find(frame.token);
        if (it == open.end() || it->second.second >= it->second.first.size()) {
          reply(R"({"t":16,"r":["Token not in stream cache."],"b":[]})");
        } else {
          reply(it->second.first[it->second.second++]);
        }
      } else if (type == 3) {
        open.erase(frame.token);
        reply(R"({"t":2,"r":[],"n":[]})");
      } else if (type == 4) {
        reply(R"({"t":4,"r":[]})");
      } else if (type == 5) {
        reply(R"({"t":5,"r":[{"id":"replay","name":"replay","proxy":false}]})");
      }
    }
  }
  close(fd);
}

}  // namespace rsm::testing
