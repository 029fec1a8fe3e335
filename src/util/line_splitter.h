// Turns a stream that arrives in arbitrary chunks into whole lines, e.g. to prefix each
// line of several nodes' output with the node's name; and finds the last line of a text
// (what a failed command said last, for a one-line error).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace rsm {

class LineSplitter {
 public:
  // on_line gets each line without its newline.
  explicit LineSplitter(std::function<void(std::string_view)> on_line) : on_line_(std::move(on_line)) {}
  void feed(std::string_view chunk) {
    pending_.append(chunk);
    size_t start = 0;
    for (size_t end; (end = pending_.find('\n', start)) != std::string::npos; start = end + 1)
      on_line_(std::string_view(pending_).substr(start, end - start));
    pending_.erase(0, start);
  }
  // Hands on a last line that had no newline.
  void finish() {
    if (!pending_.empty()) on_line_(pending_);
    pending_.clear();
  }

 private:
  std::function<void(std::string_view)> on_line_;
  std::string pending_;
};

// The last line of the text that is not blank, without surrounding whitespace.
inline std::string last_line(std::string_view text) {
  auto blank = [](char c) { return c == '\n' || c == '\r' || c == ' ' || c == '\t'; };
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  auto newline = text.rfind('\n');
  if (newline != std::string_view::npos) text.remove_prefix(newline + 1);
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  return std::string(text);
}

}  // namespace rsm
