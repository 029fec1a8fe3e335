// Errors that reach the user, and the one policy every part of rsm follows:
//
// - A failure is thrown, never returned. It carries one complete line that says what failed
//   and what to do, and main() prints it as "rsm: error: LINE".
// - UsageError is about what the user typed (a name, a flag, a key of rsm.yaml, an
//   environment that does not exist): exit code 2. Error is about the world (an engine, a
//   node, a task, the database): exit code 1.
// - One condition, one message, made in one place: the helpers below, or the function that
//   detects it. A message names what the user typed: the flag on the command line, the key
//   (and line) in rsm.yaml.
// - Engine calls: Client::get/post/remove throw on any answer but success. Client::find and
//   Client::remove_if_present take "not there" (404) as an answer. Client::request hands
//   back the raw answer only where the caller reads the status itself (304 "already
//   started").
// - A failure is dropped only through ignore_failure(), whose first argument says why that
//   is right. Everything else propagates.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

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

// The exit code for a failure caught at the top: 2 for the user's input, else 1.
int exit_code_of(const std::exception& failure);

// The environment has no machines: most often a mistyped name.
UsageError no_nodes_error(std::string_view env);

// No manager of the environment answers: its nodes are stopped, or their engines down.
Error no_manager_error(std::string_view env);

// Runs action and drops an Error it throws. `why` says why the failure cannot matter (a
// clean-up the next run repeats, an object still in use that stays on purpose); with
// RSM_DEBUG=1 the dropped failure is printed with it.
void ignore_failure(std::string_view why, const std::function<void()>& action);

}  // namespace rsm
