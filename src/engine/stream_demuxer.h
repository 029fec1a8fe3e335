// The engine multiplexes a container's stdout and stderr into one stream (exec, logs),
// each piece behind an 8-byte header: stream kind, 3 zero bytes, 32-bit big-endian
// length. This splits such a stream back into its two, whatever the chunks it arrives in.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace rsm::engine {

enum class StreamKind { Stdout = 1, Stderr = 2 };
using OutputSink = std::function<void(StreamKind, std::string_view)>;

class StreamDemuxer {
 public:
  explicit StreamDemuxer(OutputSink output) : output_(std::move(output)) {}
  void feed(std::string_view chunk);

 private:
  OutputSink output_;
  std::string pending_;
};

}  // namespace rsm::engine
