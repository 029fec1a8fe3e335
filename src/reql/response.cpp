// Answers parsed into their fields, and error answers turned into the exception type their
// error code names.
#include "reql/response.h"

#include <vector>

#include "reql/base64.h"
#include "reql/errors.h"
#include "reql/json_reader.h"

namespace reql {

using Json = nlohmann::json;

Response Response::parse(std::string_view text) {
  Response response;
  Json type, notes, error_type;
  read_json_object(text, {{"t", &type},
                          {"r", &response.results},
                          {"n", &notes},
                          {"p", &response.profile},
                          {"b", &response.backtrace},
                          {"e", &error_type}});
  if (!type.is_number_integer()) throw ProtocolError("not a RethinkDB response: " + std::string(text.substr(0, 200)));
  response.type = static_cast<ResponseType>(type.get<int>());
  if (!response.results.is_array()) response.results = Json::array();
  for (const auto& note : notes)
    if (note.is_number_integer()) response.notes.push_back(static_cast<ResponseNote>(note.get<int>()));
  if (error_type.is_number_integer()) response.error_type = error_type.get<int>();
  return response;
}

bool Response::is_feed() const {
  for (auto note : notes)
    if (note != ResponseNote::INCLUDES_STATES) return true;
  return false;
}

void Response::throw_error() const {
  std::string message = !results.empty() && results[0].is_string() ? results[0].get<std::string>() : results.dump();
  std::string trace = backtrace.is_null() ? "[]" : backtrace.dump();
  int t = static_cast<int>(type);
  switch (type) {
    case ResponseType::CLIENT_ERROR:
      throw ClientError(message, t, error_type, trace);
    case ResponseType::COMPILE_ERROR:
      throw CompileError(message, t, error_type, trace);
    case ResponseType::RUNTIME_ERROR:
      break;
    default:
      throw ProtocolError("not an error response (type " + std::to_string(t) + ")");
  }
  switch (static_cast<ErrorType>(error_type)) {
    case ErrorType::INTERNAL:
      throw InternalError(message, t, error_type, trace);
    case ErrorType::RESOURCE_LIMIT:
      throw ResourceLimitError(message, t, error_type, trace);
    case ErrorType::QUERY_LOGIC:
      throw QueryLogicError(message, t, error_type, trace);
    case ErrorType::NON_EXISTENCE:
      throw NonExistenceError(message, t, error_type, trace);
    case ErrorType::OP_FAILED:
      throw OpFailedError(message, t, error_type, trace);
    case ErrorType::OP_INDETERMINATE:
      throw OpIndeterminateError(message, t, error_type, trace);
    case ErrorType::USER:
      throw UserError(message, t, error_type, trace);
    case ErrorType::PERMISSION_ERROR:
      throw PermissionError(message, t, error_type, trace);
  }
  throw RuntimeError(message, t, error_type, trace);
}

namespace {
bool has_type(const Json& value, const char* name) {
  return value.is_object() && value.contains("$reql_type$") && value["$reql_type$"] == name;
}
}  // namespace

std::chrono::system_clock::time_point Time::time_point() const {
  using namespace std::chrono;
  // Rounded, not truncated: 1234560690.123 is 1234560690.12299990654 as a double.
  return system_clock::time_point(round<microseconds>(duration<double>(epoch_seconds)));
}

bool is_time(const Json& value) { return has_type(value, "TIME"); }

Time to_time(const Json& value) {
  if (!is_time(value) || !value.contains("epoch_time") || !value["epoch_time"].is_number())
    throw ProtocolError("not a TIME: " + value.dump());
  return {value["epoch_time"].get<double>(), value.value("timezone", "+00:00")};
}

bool is_binary(const Json& value) { return has_type(value, "BINARY"); }

std::string to_binary(const Json& value) {
  if (!is_binary(value) || !value.contains("data") || !value["data"].is_string())
    throw ProtocolError("not a BINARY: " + value.dump());
  return base64_decode(value["data"].get<std::string>());
}

Json ungroup_pseudotypes(Json value) {
  if (!value.is_structured()) return value;
  // Depth first with a stack of its own: an answer may be nested deeper than the call
  // stack would take. A pointer waits only for siblings to be done, and changing a value
  // in place moves none of them. The stack is kept per thread: this runs for every row.
  thread_local std::vector<Json*> pending;
  pending.assign(1, &value);
  while (!pending.empty()) {
    Json& next = *pending.back();
    pending.pop_back();
    if (has_type(next, "GROUPED_DATA")) {
      Json groups = Json::array();
      auto data = next.find("data");
      if (data != next.end() && data->is_array())
        for (auto& pair : *data)
          if (pair.is_array() && pair.size() == 2)
            groups.push_back({{"group", std::move(pair[0])}, {"reduction", std::move(pair[1])}});
      next = std::move(groups);
      for (auto& group : next) {
        pending.push_back(&group["group"]);
        pending.push_back(&group["reduction"]);
      }
      continue;
    }
    if (next.is_structured())
      for (auto& element : next) pending.push_back(&element);
  }
  return value;
}

}  // namespace reql
