// Replicas spread over regions so that losing one region leaves a majority where the
// servers allow it.
#include "db/placement.h"

#include <gtest/gtest.h>

using namespace rsm::db;
using Regions = std::map<std::string, int>;

TEST(Placement, OneReplicaPerRegionWhenThereAreAsManyRegions) {
  auto placement = spread_over_regions({{"fra", 1}, {"nyc", 1}, {"sgp", 1}}, 3);
  ASSERT_TRUE(placement);
  EXPECT_EQ(placement->replicas_by_region, (Regions{{"fra", 1}, {"nyc", 1}, {"sgp", 1}}));
  EXPECT_EQ(placement->primary_region, "fra");
}

TEST(Placement, KeepsTheRegionsSharesWithinOneOfEachOther) {
  auto placement = spread_over_regions({{"fra", 3}, {"nyc", 3}, {"sgp", 3}}, 5);
  ASSERT_TRUE(placement);
  EXPECT_EQ(placement->replicas_by_region, (Regions{{"fra", 2}, {"nyc", 2}, {"sgp", 1}}));
  // Two regions cannot survive losing the bigger share; the split is still the best one.
  auto two = spread_over_regions({{"fra", 2}, {"nyc", 2}}, 3);
  ASSERT_TRUE(two);
  EXPECT_EQ(two->replicas_by_region, (Regions{{"fra", 2}, {"nyc", 1}}));
  EXPECT_EQ(two->primary_region, "fra");
}

TEST(Placement, NeverGivesARegionMoreReplicasThanServers) {
  auto placement = spread_over_regions({{"fra", 1}, {"nyc", 3}}, 3);
  ASSERT_TRUE(placement);
  EXPECT_EQ(placement->replicas_by_region, (Regions{{"fra", 1}, {"nyc", 2}}));
  EXPECT_EQ(placement->primary_region, "nyc");
}

TEST(Placement, IsTheReplicaCountAloneForOneRegionOrServersWithout) {
  EXPECT_FALSE(spread_over_regions({{"fra", 3}}, 3));
  EXPECT_FALSE(spread_over_regions({{"fra", 2}, {"", 1}}, 3));
  EXPECT_EQ(region_of({"default", "manager", "fra"}), "fra");
  EXPECT_EQ(region_of({"default", "worker"}), "");
}
