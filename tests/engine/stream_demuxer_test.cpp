#include <gtest/gtest.h>

#include <string>

#include "engine/stream_demuxer.h"

using rsm::engine::StreamDemuxer;
using rsm::engine::StreamKind;

namespace {
std::string frame(int kind, const std::string& payload) {
  std::string header(8, '\0');
  header[0] = static_cast<char>(kind);
  auto n = payload.size();
  header[4] = static_cast<char>(n >> 24);
  header[5] = static_cast<char>(n >> 16);
  header[6] = static_cast<char>(n >> 8);
  header[7] = static_cast<char>(n);
  return header + payload;
}
}  // namespace

TEST(StreamDemuxer, SplitsStdoutAndStderrAcrossAnyChunking) {
  std::string stream = frame(1, "hello\n") + frame(2, "oops\n") + frame(1, std::string(300, 'x'));
  for (size_t chunk = 1; chunk <= stream.size(); chunk += 7) {
    std::string out, err;
    StreamDemuxer demuxer(
        [&](StreamKind kind, std::string_view data) { (kind == StreamKind::Stderr ? err : out).append(data); });
    for (size_t at = 0; at < stream.size(); at += chunk) demuxer.feed(std::string_view(stream).substr(at, chunk));
    EXPECT_EQ(out, "hello\n" + std::string(300, 'x'));
    EXPECT_EQ(err, "oops\n");
  }
}
