#include <gtest/gtest.h>

#include <vector>

#include "engine/json_message_stream.h"
#include "util/error.h"

using nlohmann::json;
using rsm::engine::JsonMessageStream;

TEST(JsonMessageStream, ReassemblesLinesSplitAcrossChunks) {
  std::vector<json> seen;
  JsonMessageStream stream([&](const json& m) { seen.push_back(m); });
  stream.feed("{\"stream\":\"Step 1/3\"}\n{\"str");
  stream.feed("eam\":\"Step 2/3\"}\r\n");
  stream.feed("{\"status\":\"done\"}");
  stream.finish();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1]["stream"], "Step 2/3");
  EXPECT_EQ(seen[2]["status"], "done");
}

TEST(JsonMessageStream, TurnsInStreamErrorsIntoExceptions) {
  JsonMessageStream stream(nullptr);
  EXPECT_THROW(stream.feed("{\"errorDetail\":{\"message\":\"no space left\"},\"error\":\"no space left\"}\n"),
               rsm::Error);
  try {
    JsonMessageStream other(nullptr);
    other.feed("{\"error\":\"manifest unknown\"}\n");
    FAIL();
  } catch (const rsm::Error& e) {
    EXPECT_STREQ(e.what(), "manifest unknown");
  }
}

TEST(JsonMessageStream, SkipsPlainTextLines) {
  int count = 0;
  JsonMessageStream stream([&](const json&) { ++count; });
  stream.feed("Loaded image: x\n{\"stream\":\"ok\"}\n\n");
  EXPECT_EQ(count, 1);
}
