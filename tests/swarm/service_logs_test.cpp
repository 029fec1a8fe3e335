// What --since takes: a duration back from now, or a UTC time; anything else is one line.
#include "swarm/service_logs.h"

#include <gtest/gtest.h>

#include "util/error.h"

using rsm::swarm::parse_since;

TEST(ServiceLogs, SinceTakesADurationBackFromNowOrAUtcTime) {
  EXPECT_DOUBLE_EQ(parse_since("10m", 100000), 100000 - 600);
  EXPECT_DOUBLE_EQ(parse_since("1h30m", 100000), 100000 - 5400);
  EXPECT_DOUBLE_EQ(parse_since("2026-12-02T08:00:00Z", 0), 1796198400);
  EXPECT_DOUBLE_EQ(parse_since("2026-12-02T08:00:00.5Z", 0), 1796198400.5);
  EXPECT_THROW(parse_since("yesterday", 0), rsm::UsageError);
  EXPECT_THROW(parse_since("30", 0), rsm::UsageError) << "a bare number could be any unit";
}
