// Frames encoded and cut out of a byte stream that may split them anywhere.
#include "reql/frame.h"

#include "reql/errors.h"

namespace reql {

std::string encode_frame(uint64_t token, std::string_view json) {
  std::string frame(12, '\0');
  for (int i = 0; i < 8; ++i) frame[i] = static_cast<char>((token >> (8 * i)) & 0xff);
  auto length = static_cast<uint32_t>(json.size());
  for (int i = 0; i < 4; ++i) frame[8 + i] = static_cast<char>((length >> (8 * i)) & 0xff);
  frame.append(json);
  return frame;
}

size_t FrameReader::drain(std::vector<Frame>& out) {
  size_t count = 0;
  size_t at = 0;
  while (buffer_.size() - at >= 12) {
    auto byte = [&](size_t i) { return static_cast<uint64_t>(static_cast<unsigned char>(buffer_[at + i])); };
    uint64_t token = 0;
    for (int i = 7; i >= 0; --i) token = (token << 8) | byte(static_cast<size_t>(i));
    uint32_t length = static_cast<uint32_t>(byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24);
    if (length > kMaxFrameBytes)
      throw ProtocolError("response frame of " + std::to_string(length) + " bytes: broken stream");
    if (buffer_.size() - at - 12 < length) break;
    out.push_back({token, buffer_.substr(at + 12, length)});
    at += 12 + length;
    ++count;
  }
  buffer_.erase(0, at);
  return count;
}

}  // namespace reql
