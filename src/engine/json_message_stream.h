// The engine's streaming endpoints (load, build, pull, import) answer 200 and report
// failures inside the stream as {"error": ...} or {"errorDetail": ...} lines. This reads
// such a stream as it arrives: each JSON line goes to on_message, and the stream's own
// error is thrown as Error with the engine's words.
#pragma once

#include <functional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "util/line_splitter.h"

namespace rsm::engine {

class JsonMessageStream {
 public:
  explicit JsonMessageStream(std::function<void(const nlohmann::json&)> on_message);
  JsonMessageStream(const JsonMessageStream&) = delete;  // its line splitter calls back into it
  JsonMessageStream& operator=(const JsonMessageStream&) = delete;
  void feed(std::string_view chunk) { lines_.feed(chunk); }
  // Handles a last line without a newline.
  void finish() { lines_.finish(); }

 private:
  void handle_line(std::string_view line);
  std::function<void(const nlohmann::json&)> on_message_;
  LineSplitter lines_;
};

}  // namespace rsm::engine
