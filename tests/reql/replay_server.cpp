#include "replay_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "reql/base64.h"
#include "reql/frame.h"
#include "reql/scram.h"

namespace rsm::testing {

using nlohmann::json;

namespace {

// Reads until a NUL-terminated message is complete; false when the client went away.
bool read_message(int fd, std::string& pending, std::string& message, const std::atomic<bool>& stopping) {
  char buffer[4096];
  for (;;) {
    auto nul = pending.find('\0');
    if (nul != std::string::npos) {
      message = pending.substr(0, nul);
      pending.erase(0, nul + 1);
      return true;
    }
    if (stopping) return false;
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return false;
    pending.append(buffer, static_cast<size_t>(n));
  }
}

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

ReplayServer::ReplayServer(const json& handshake, std::string password, int port, Listen where)
    : password_(std::move(password)) {
  for (const auto& message : handshake["messages"])
    if (message["dir"] == "s2c" && hello_.empty()) hello_ = message["text"].get<std::string>() + '\0';
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(where == Listen::everywhere ? INADDR_ANY : INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  int one = 1;
  setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
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

void ReplayServer::add_timeline(std::vector<std::string> answers) {
  std::lock_guard lock(mutex_);
  timeline_.insert(timeline_.end(), std::make_move_iterator(answers.begin()), std::make_move_iterator(answers.end()));
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

bool ReplayServer::authenticate(int fd, std::string& pending) {
  std::string message;
  // The magic, then the client-first message.
  while (pending.size() < 4) {
    char buffer[64];
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR) && !stopping_) continue;
    if (n <= 0) return false;
    pending.append(buffer, static_cast<size_t>(n));
  }
  if (pending.compare(0, 4, std::string("\xc3\xbd\xc2\x34", 4)) != 0) {
    send_all(fd, std::string("ERROR: Received an unsupported protocol version.\n") + '\0');
    return false;
  }
  pending.erase(0, 4);
  if (!read_message(fd, pending, message, stopping_)) return false;
  std::string client_first = json::parse(message)["authentication"];
  std::string client_first_bare = client_first.substr(3);
  std::string nonce = client_first_bare.substr(client_first_bare.find(",r=") + 3) + reql::ScramClient::random_nonce();
  std::string salt = "rsm-replay-salt!";
  constexpr int kIterations = 64;
  std::string server_first = "r=" + nonce + ",s=" + reql::base64_encode(salt) + ",i=" + std::to_string(kIterations);
  send_all(fd, hello_ + json{{"authentication", server_first}, {"success", true}}.dump() + '\0');

  if (!read_message(fd, pending, message, stopping_)) return false;
  std::string client_final = json::parse(message)["authentication"];
  std::string without_proof = client_final.substr(0, client_final.find(",p="));
  std::string proof = reql::base64_decode(client_final.substr(client_final.find(",p=") + 3));
  std::string auth_message = client_first_bare + "," + server_first + "," + without_proof;
  reql::ScramKeys keys = reql::scram_keys(password_, salt, kIterations);
  std::string signature = reql::hmac_sha256(keys.stored_key, auth_message);
  std::string expected = keys.client_key;
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<char>(expected[i] ^ signature[i]);
  if (proof != expected) {
    send_all(fd, json{{"error", "Wrong password"}, {"error_code", 12}, {"success", false}}.dump() + '\0');
    return false;
  }
  std::string verifier = reql::base64_encode(reql::hmac_sha256(keys.server_key, auth_message));
  return send_all(fd, json{{"authentication", "v=" + verifier}, {"success", true}}.dump() + '\0');
}

void ReplayServer::serve_connection(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tick{0, 200000};  // wake up now and then to notice the end of the test
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
  std::string pending;
  if (!authenticate(fd, pending)) {
    close(fd);
    return;
  }
  reql::FrameReader frames;
  frames.feed(pending);
  std::map<uint64_t, std::pair<std::vector<std::string>, size_t>> open;  // token -> answers, next
  char buffer[65536];
  // Answer every complete frame, then wait for more bytes. The answers to what one read
  // brought go out together, unless each is to go out on its own (see the header).
  std::string answers_out;
  auto flush = [&] {
    send_all(fd, answers_out);
    answers_out.clear();
  };
  auto read_at = std::chrono::steady_clock::now();  // when the frames at hand came in
  for (bool more = true; more && !stopping_;) {
    std::vector<reql::Frame> received;
    frames.drain(received);
    for (const auto& frame : received) {
      json query = json::parse(frame.json);
      int type = query[0].get<int>();
      auto reply = [&](const std::string& text) {
        answers_out += reql::encode_frame(frame.token, text);
        if (write_each_answer_) flush();
      };
      if (type == 1) {
        if (query.size() > 2 && query[2].value("noreply", false)) continue;
        ++queries_;
        if (silent_) continue;
        if (query[1] == "hang up") {
          flush();
          close(fd);
          return;
        }
        if (query[1] == "ignore") continue;
        std::vector<std::string> answers;
        {
          // Without recordings (the benchmarks' server) the query is not serialized again:
          // the stand-in's own work per query should stay far below a driver's.
          std::lock_guard lock(mutex_);
          auto it = answers_.empty() ? answers_.end() : answers_.find(query.dump());
          if (it != answers_.end() && !it->second.empty()) {
            answers = std::move(it->second.front());
            it->second.pop_front();
          } else if (!timeline_.empty()) {
            answers = {std::move(timeline_.front())};
            timeline_.pop_front();
          }
        }
        if (answers.empty() && evaluator_) answers = evaluator_(query[1], query.size() > 2 ? query[2] : json::object());
        if (answers.empty() && query[1].is_string()) {
          if (answer_delay_ms_ > 0) {
            flush();
            std::this_thread::sleep_until(read_at + std::chrono::milliseconds(answer_delay_ms_.load()));
          }
          answers = {R"({"t":1,"r":[)" + query[1].dump() + "]}"};
        }
        if (answers.empty()) answers = {R"({"t":16,"r":["replay: no recording of this query"],"b":[]})"};
        reply(answers[0]);
        // Only a query with answers left stays open, as on a real server.
        if (answers.size() > 1) open[frame.token] = {std::move(answers), 1};
      } else if (type == 2) {
        if (continue_delay_ms_ > 0) {
          flush();
          std::this_thread::sleep_for(std::chrono::milliseconds(continue_delay_ms_.load()));
        }
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
    flush();
    for (;;) {
      ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n < 0 && (errno == EAGAIN || errno == EINTR) && !stopping_) continue;
      if (n > 0) frames.feed(std::string_view(buffer, static_cast<size_t>(n)));
      read_at = std::chrono::steady_clock::now();
      more = n > 0;
      break;
    }
  }
  close(fd);
}

reql::ConnectOptions replay_options(const ReplayServer& server, const json& handshake) {
  return {.host = "127.0.0.1",
          .port = server.port(),
          .user = handshake["user"],
          .password = handshake["password"],
          .connect_timeout = std::chrono::milliseconds(3000),
          .read_timeout = std::chrono::milliseconds(3000),
          .nonce = handshake["client_nonce"]};
}

}  // namespace rsm::testing
