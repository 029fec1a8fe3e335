#include "util/duration.h"

#include <gtest/gtest.h>

#include "util/error.h"

using namespace std::chrono_literals;
using rsm::format_duration;
using rsm::parse_duration;

TEST(Duration, ReadsEveryUnitAndSums) {
  EXPECT_EQ(parse_duration("250ms", "--timeout"), 250ms);
  EXPECT_EQ(parse_duration("30s", "--timeout"), 30s);
  EXPECT_EQ(parse_duration("5m", "--timeout"), 5min);
  EXPECT_EQ(parse_duration("6h", "--every"), 6h);
  EXPECT_EQ(parse_duration("2d", "--every"), 48h);
  EXPECT_EQ(parse_duration("1m30s", "--timeout"), 90s);
  EXPECT_EQ(parse_duration("1s500ms", "--timeout"), 1500ms);
}

TEST(Duration, RefusesABareNumberOrJunkNamingTheSetting) {
  for (const char* text : {"", "30", "s", "-1s", "5 s", "5sec", "1.5s", "3w", "1s2"}) {
    try {
      parse_duration(text, "timeout:");
      ADD_FAILURE() << "'" << text << "' was taken";
    } catch (const rsm::UsageError& e) {
      EXPECT_EQ(std::string(e.what()),
                std::string("timeout: takes a duration such as 500ms, 30s, 5m or 6h, not '") + text + "'");
    }
  }
}

TEST(Duration, WritesWhatItReadsBack) {
  EXPECT_EQ(format_duration(500ms), "500ms");
  EXPECT_EQ(format_duration(30s), "30s");
  EXPECT_EQ(format_duration(90s), "1m30s");
  EXPECT_EQ(format_duration(6h), "6h");
  EXPECT_EQ(format_duration(0ms), "0s");
  for (std::chrono::milliseconds duration : {1ms, 1001ms, 61000ms, 90000001ms})
    EXPECT_EQ(parse_duration(format_duration(duration), "x"), duration);
}
