// What the server answers to a query: {"t": type, "r": [...], "n": notes, "p": profile,
// "b": backtrace, "e": error type}.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "reql/protocol.h"

namespace reql {

struct Response {
  ResponseType type = ResponseType::SUCCESS_ATOM;
  nlohmann::json results = nlohmann::json::array();  // "r"
  std::vector<ResponseNote> notes;                   // "n": what kind of changefeed this is
  nlohmann::json profile;                            // "p", when the query asked for one
  nlohmann::json backtrace;                          // "b", with errors
  int error_type = 0;                                // "e", with runtime errors

  // Throws ProtocolError when the text is not a response.
  static Response parse(std::string_view text);

  bool is_error() const { return static_cast<int>(type) >= 16; }
  bool is_partial() const { return type == ResponseType::SUCCESS_PARTIAL; }
  bool is_feed() const;
  // Throws the QueryError subclass that matches this error response.
  [[noreturn]] void throw_error() const;
};

// Pseudo-types: RethinkDB sends times, bytes and grouped results as tagged objects.
struct Time {
  double epoch_seconds = 0;
  std::string timezone;  // "+00:00"
  std::chrono::system_clock::time_point time_point() const;
};
bool is_time(const nlohmann::json& value);
Time to_time(const nlohmann::json& value);  // throws ProtocolError if not a TIME
bool is_binary(const nlohmann::json& value);
std::string to_binary(const nlohmann::json& value);  // the decoded bytes

// GROUPED_DATA turned into [{"group": ..., "reduction": ...}, ...] at any depth, as the
// official drivers present it; everything else is returned unchanged. Takes the value to
// change it in place: a row is not copied on its way to the caller.
nlohmann::json ungroup_pseudotypes(nlohmann::json value);

}  // namespace reql
