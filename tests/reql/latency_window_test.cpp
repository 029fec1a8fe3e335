// The percentile the pool's hedged reads wait for.
#include "reql/latency_window.h"

#include <gtest/gtest.h>

using reql::LatencyWindow;
using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(LatencyWindow, GivesNoPercentileBeforeEnoughAnswers) {
  LatencyWindow window;
  for (size_t i = 1; i < LatencyWindow::enough; ++i) window.record(milliseconds(5));
  EXPECT_EQ(window.p99(), microseconds(0));
  window.record(milliseconds(5));
  EXPECT_EQ(window.p99(), milliseconds(5));
}

TEST(LatencyWindow, GivesTheValueNinetyNinePercentDoNotExceed) {
  LatencyWindow window(128);
  for (int i = 128; i >= 1; --i) window.record(milliseconds(i));
  EXPECT_EQ(window.p99(), milliseconds(127));  // 99% of 128 answers is 126.72: the 127th
}

TEST(LatencyWindow, ForgetsAnswersOlderThanItsCapacity) {
  LatencyWindow window(64);
  for (int i = 0; i < 64; ++i) window.record(milliseconds(900));
  EXPECT_EQ(window.p99(), milliseconds(900));
  for (int i = 0; i < 64; ++i) window.record(milliseconds(2));
  EXPECT_EQ(window.p99(), milliseconds(2));
}
