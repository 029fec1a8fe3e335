// Errors that reach the user. Each carries a complete one-line message that says what
// failed and, where we know it, what to do about it; main() prints it and exits non-zero.
#pragma once

#include <stdexcept>
#include <string>

namespace rsm {

// Something went wrong while doing what the user asked (exit code 1).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The user asked for something that makes no sense (exit code 2): bad name, bad flag.
class UsageError : public Error {
 public:
  using Error::Error;
};

}  // namespace rsm
