#include "util/content_hash.h"

#include <gtest/gtest.h>

namespace rsm {

TEST(ContentHash, IsSha256OfEachPartBehindItsLength) {
  EXPECT_EQ(content_hash({"abc"}), "aab5f9ae99b2e38fb462025c8f72f570");  // sha256("3:abc"), 32 digits
  EXPECT_EQ(content_hash({"a", "bc"}), "5310a58788781ab25d5ad7c3f8503582");
  EXPECT_NE(content_hash({"a", "bc"}), content_hash({"ab", "c"})) << "parts never run into each other";
}

TEST(ContentHash, TheEarlierHashIsFnv1aOfThePartsRunTogether) {
  EXPECT_EQ(earlier_content_hash({"abc"}), "01510db89efd");
  EXPECT_EQ(earlier_content_hash({"a", "bc"}), earlier_content_hash({"abc"}));
}

}  // namespace rsm
