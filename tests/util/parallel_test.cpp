#include "util/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

TEST(ForEachParallel, RunsEveryItemEvenWhenOneFails) {
  std::vector<int> items{1, 2, 3, 4};
  std::atomic<int> done{0};
  try {
    rsm::for_each_parallel(items, [&](int i) {
      ++done;
      if (i % 2 == 0) throw rsm::Error("item " + std::to_string(i) + " broke");
    });
    FAIL() << "expected an error";
  } catch (const rsm::Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("item 2 broke"), std::string::npos);
    EXPECT_NE(message.find("item 4 broke"), std::string::npos);
  }
  EXPECT_EQ(done, 4);
}

TEST(ForEachParallel, KeepsUsageErrorsUsageErrors) {
  std::vector<int> items{1, 2};
  EXPECT_THROW(rsm::for_each_parallel(items, [](int) { throw rsm::UsageError("same"); }), rsm::UsageError);
}
