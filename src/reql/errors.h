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

// The server refused a query. The hierarchy follows the official drivers':
//   QueryError
//     ClientError (the driver sent something the server could not read)
//     CompileError (the query is malformed)
//     RuntimeError
//       QueryLogicError > NonExistenceError, ResourceLimitError, UserError,
//       InternalError, AvailabilityError > OpFailedError, OpIndeterminateError,
//       PermissionError
// what() is the server's message; backtrace() says where in the query it failed.
class QueryError : public Error {
 public:
  QueryError(const std::string& message, int response_type, int error_type, std::string backtrace_json)
      : Error(message), response_type_(response_type), error_type_(error_type), backtrace_(std::move(backtrace_json)) {}
  int response_type() const { return response_type_; }
  // The server's ErrorType number (0 for client and compile errors, which carry none).
  int error_type() const { return error_type_; }
  // The backtrace as JSON text ("[]" when the server sent none).
  const std::string& backtrace() const { return backtrace_; }

 private:
  int response_type_;
  int error_type_;
  std::string backtrace_;
};

#define REQL_QUERY_ERROR(Name, Base) \
  class Name : public Base {         \
   public:                           \
    using Base::Base;                \
  };
REQL_QUERY_ERROR(ClientError, QueryError)
REQL_QUERY_ERROR(CompileError, QueryError)
REQL_QUERY_ERROR(RuntimeError, QueryError)
REQL_QUERY_ERROR(QueryLogicError, RuntimeError)
REQL_QUERY_ERROR(NonExistenceError, QueryLogicError)
REQL_QUERY_ERROR(ResourceLimitError, RuntimeError)
REQL_QUERY_ERROR(UserError, RuntimeError)
REQL_QUERY_ERROR(InternalError, RuntimeError)
REQL_QUERY_ERROR(AvailabilityError, RuntimeError)
REQL_QUERY_ERROR(OpFailedError, AvailabilityError)
REQL_QUERY_ERROR(OpIndeterminateError, AvailabilityError)
REQL_QUERY_ERROR(PermissionError, RuntimeError)
#undef REQL_QUERY_ERROR

}  // namespace reql
