// RethinkDB's V1_0 handshake, without any I/O: it says what to send and reads what came
// back, so blocking sockets, Asio and the replay tests all share one implementation.
//
//   client: magic 0x34c2bdc3 (4 bytes, little-endian), then NUL-terminated JSON messages
//   server: hello {min,max_protocol_version, server_version, success}
//   client: {"protocol_version":0,"authentication_method":"SCRAM-SHA-256","authentication":"n,,n=U,r=N"}
//   server: {"authentication":"r=..,s=..,i=..","success":true}
//   client: {"authentication":"c=biws,r=..,p=.."}
//   server: {"authentication":"v=..","success":true}
#pragma once

#include <string>
#include <string_view>

#include "reql/scram.h"

namespace reql {

class Handshake {
 public:
  Handshake(std::string user, std::string password, std::string nonce = ScramClient::random_nonce());

  // The first bytes to send: the magic and the client-first message, in one write (the
  // server reads them in order, so waiting for its hello in between gains nothing).
  std::string start();
  // One server message, without its NUL. Returns the bytes to send next (possibly none).
  // Throws ProtocolError for a server that does not speak V1_0, AuthError for refused
  // credentials (with the server's message and code) or a wrong server signature.
  std::string on_message(std::string_view message);

  bool done() const { return state_ == State::Done; }
  const std::string& server_version() const { return server_version_; }

 private:
  enum class State { Start, Hello, ServerFirst, ServerFinal, Done };
  State state_ = State::Start;
  ScramClient scram_;
  std::string server_version_;
};

// Splits a byte stream into NUL-terminated handshake messages.
class NulSplitter {
 public:
  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next complete message (without its NUL), if one has arrived.
  bool next(std::string& message);
  // Whatever arrived after the last complete message (the first query frames, say).
  std::string take_rest();

 private:
  std::string buffer_;
};

}  // namespace reql
