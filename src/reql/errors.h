// The errors the driver throws. Every one keeps the server's own words where there are any.
#pragma once

#include <stdexcept>
#include <string>

namespace reql {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The connection could not be made or was lost (refused, closed, timed out).
class ConnectionError : public Error {
 public:
  using Error::Error;
};

// The peer does not speak the protocol we expect: a bad handshake message, a server that
// answers with plain text ("ERROR: Received an unsupported protocol version"), bad frames.
class ProtocolError : public Error {
 public:
  using Error::Error;
};

// The server refused our credentials (error codes 10-20: 12 wrong password, 17 unknown
// user), or proved itself with a wrong signature.
class AuthError : public Error {
 public:
  AuthError(const std::string& message, int code) : Error(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

}  // namespace reql
