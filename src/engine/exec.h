// Running a command inside a container through the Engine API (POST /containers/{id}/exec),
// the way `docker exec` does, with its output streamed as it comes.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/client.h"

namespace rsm::engine {

enum class StreamKind { Stdout = 1, Stderr = 2 };
using OutputSink = std::function<void(StreamKind, std::string_view)>;

// Runs argv in the container and returns its exit code.
int exec_in_container(Client& client, const std::string& container, const std::vector<std::string>& argv,
                      const OutputSink& output);

// Splits the engine's multiplexed stdout/stderr stream (8-byte frame headers: stream
// kind, 3 zero bytes, 32-bit big-endian length) back into its two streams.
class StreamDemuxer {
 public:
  explicit StreamDemuxer(OutputSink output) : output_(std::move(output)) {}
  void feed(std::string_view chunk);

 private:
  OutputSink output_;
  std::string pending_;
};

}  // namespace rsm::engine
