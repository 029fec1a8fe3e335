// Query and response frames: an 8-byte little-endian token, a 4-byte little-endian
// length, then that many bytes of UTF-8 JSON. The server echoes each query's token.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace reql {

std::string encode_frame(uint64_t token, std::string_view json);

struct Frame {
  uint64_t token;
  std::string json;
};

// Reassembles frames from a byte stream, however it is cut.
class FrameReader {
 public:
  // Frames bigger than this are treated as a broken stream (ProtocolError), not allocated.
  static constexpr uint32_t kMaxFrameBytes = 512u << 20;

  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // Moves every complete frame into `out`; returns how many.
  size_t drain(std::vector<Frame>& out);

 private:
  std::string buffer_;
};

}  // namespace reql
