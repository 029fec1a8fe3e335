#include "reql/frame.h"

#include <gtest/gtest.h>

#include "reql/errors.h"

using namespace reql;

TEST(Frame, EncodesTokenAndLengthLittleEndian) {
  std::string frame = encode_frame(0x0102030405060708ull, "[1,\"ok\"]");
  EXPECT_EQ(frame.substr(0, 12), std::string("\x08\x07\x06\x05\x04\x03\x02\x01\x08\x00\x00\x00", 12));
  EXPECT_EQ(frame.substr(12), "[1,\"ok\"]");
}

TEST(Frame, ReassemblesFramesCutAnywhere) {
  std::string stream =
      encode_frame(1, "{\"t\":1,\"r\":[\"ok\"]}") + encode_frame(2, "") + encode_frame(70000, std::string(5000, 'x'));
  for (size_t cut = 1; cut < stream.size(); cut += 331) {
    FrameReader reader;
    std::vector<Frame> frames;
    for (size_t at = 0; at < stream.size(); at += cut) {
      reader.feed(std::string_view(stream).substr(at, cut));
      reader.drain(frames);
    }
    ASSERT_EQ(frames.size(), 3u);
    EXPECT_EQ(frames[0].token, 1u);
    EXPECT_EQ(frames[0].json, "{\"t\":1,\"r\":[\"ok\"]}");
    EXPECT_EQ(frames[1].json, "");
    EXPECT_EQ(frames[2].token, 70000u);
    EXPECT_EQ(frames[2].json.size(), 5000u);
  }
}

TEST(Frame, RefusesAbsurdLengths) {
  FrameReader reader;
  reader.feed(std::string("\x01\0\0\0\0\0\0\0\xff\xff\xff\xff", 12));
  std::vector<Frame> frames;
  EXPECT_THROW(reader.drain(frames), ProtocolError);
}
