// The handshake's messages made and read as JSON, the server's errors turned into
// AuthError or ProtocolError with its own words.
#include "reql/handshake.h"

#include <nlohmann/json.hpp>

#include "reql/errors.h"

namespace reql {

namespace {

constexpr char kMagicV1_0[] = {'\xc3', '\xbd', '\xc2', '\x34'};  // 0x34c2bdc3, little-endian

std::string with_nul(const nlohmann::ordered_json& message) { return message.dump() + '\0'; }

// A failed step: {"success":false,"error":"...","error_code":N}, or plain "ERROR: ..." text.
nlohmann::json parse_or_throw(std::string_view message, const char* step) {
  auto parsed = nlohmann::json::parse(message, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    std::string text(message);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    throw ProtocolError(std::string("handshake (") + step + "): the server answered: " + text);
  }
  if (!parsed.value("success", false)) {
    std::string error = parsed.value("error", "no reason given");
    int code = parsed.value("error_code", 0);
    if (code >= 10 && code <= 20) throw AuthError(error, code);
    throw ProtocolError(std::string("handshake (") + step + "): " + error);
  }
  return parsed;
}

}  // namespace

Handshake::Handshake(std::string user, std::string password, std::string nonce)
    : scram_(std::move(user), std::move(password), std::move(nonce)) {}

std::string Handshake::start() {
  state_ = State::Hello;
  nlohmann::ordered_json first;
  first["protocol_version"] = 0;
  first["authentication_method"] = "SCRAM-SHA-256";
  first["authentication"] = scram_.client_first();
  return std::string(kMagicV1_0, sizeof kMagicV1_0) + with_nul(first);
}

std::string Handshake::on_message(std::string_view message) {
  switch (state_) {
    case State::Hello: {
      auto hello = parse_or_throw(message, "hello");
      if (hello.value("min_protocol_version", 1) > 0 || hello.value("max_protocol_version", -1) < 0)
        throw ProtocolError("handshake: the server does not speak protocol version 0 (V1_0): " + std::string(message));
      server_version_ = hello.value("server_version", "");
      state_ = State::ServerFirst;
      return {};
    }
    case State::ServerFirst: {
      auto first = parse_or_throw(message, "authentication");
      nlohmann::ordered_json final_message;
      final_message["authentication"] = scram_.client_final(first.value("authentication", ""));
      state_ = State::ServerFinal;
      return with_nul(final_message);
    }
    case State::ServerFinal: {
      auto last = parse_or_throw(message, "authentication");
      scram_.verify_server_final(last.value("authentication", ""));
      state_ = State::Done;
      return {};
    }
    case State::Start:
    case State::Done:
      break;
  }
  throw ProtocolError("handshake: unexpected message from the server: " + std::string(message));
}

bool NulSplitter::next(std::string& message) {
  auto nul = buffer_.find('\0');
  if (nul == std::string::npos) return false;
  message = buffer_.substr(0, nul);
  buffer_.erase(0, nul + 1);
  return true;
}

std::string NulSplitter::take_rest() { return std::exchange(buffer_, {}); }

}  // namespace reql
