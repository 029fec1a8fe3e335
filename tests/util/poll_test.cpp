#include "util/poll.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "util/error.h"

using namespace rsm;

TEST(Poll, LooksUntilTheCheckHoldsAndNoLonger) {
  int looks = 0;
  EXPECT_TRUE(poll_for(seconds(5), milliseconds(1), [&] { return ++looks == 3; }));
  EXPECT_EQ(looks, 3);
}

TEST(Poll, GivesUpAtTheDeadlineWithTheMessageOfTheLastLook) {
  int looks = 0;
  EXPECT_FALSE(poll_for(milliseconds(30), milliseconds(5), [&] { return ++looks < 0; }));
  EXPECT_GE(looks, 2);
  try {
    poll_until(
        milliseconds(20), milliseconds(5), [&] { return fmt::format("still {} looks", looks); },
        [&] { return ++looks < 0; });
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), fmt::format("timed out after 0 s: still {} looks", looks));
  }
}

TEST(Poll, ACheckThatThrowsEndsTheWait) {
  int looks = 0;
  EXPECT_THROW(poll_until(
                   seconds(5), milliseconds(1), [] { return std::string("never"); },
                   [&]() -> bool { throw UsageError(fmt::format("gave up after {}", ++looks)); }),
               UsageError);
  EXPECT_EQ(looks, 1);
}
