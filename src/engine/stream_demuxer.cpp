// Frames are handed on whole; a frame cut between two chunks waits for the rest.
#include "engine/stream_demuxer.h"

namespace rsm::engine {

void StreamDemuxer::feed(std::string_view chunk) {
  pending_.append(chunk);
  size_t at = 0;
  while (pending_.size() - at >= 8) {
    auto byte = [&](size_t i) { return static_cast<unsigned char>(pending_[at + i]); };
    size_t length = (size_t{byte(4)} << 24) | (size_t{byte(5)} << 16) | (size_t{byte(6)} << 8) | byte(7);
    if (pending_.size() - at - 8 < length) break;
    auto kind = byte(0) == 2 ? StreamKind::Stderr : StreamKind::Stdout;
    output_(kind, std::string_view(pending_).substr(at + 8, length));
    at += 8 + length;
  }
  pending_.erase(0, at);
}

}  // namespace rsm::engine
