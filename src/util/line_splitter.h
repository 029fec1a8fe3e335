// Turns a stream that arrives in arbitrary chunks into whole lines, e.g. to prefix each
// line of several nodes' output with the node's name.
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

}  // namespace rsm
