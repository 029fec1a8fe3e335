// Where the recorded RethinkDB fixtures live: ../shared/fixtures/reql beside the
// repository (RSM_SHARED_DIR overrides ../shared). They are read in place, never copied.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace rsm::testing {

// The folder, or nullopt (tests then skip, saying where they looked).
std::optional<std::filesystem::path> reql_fixtures();
std::string reql_fixtures_missing_reason();

nlohmann::json read_json(const std::filesystem::path& file);

}  // namespace rsm::testing

// Skips the current test when the fixtures are not there.
#define RSM_REQUIRE_REQL_FIXTURES(var)                                            \
  auto var##_found = rsm::testing::reql_fixtures();                               \
  if (!var##_found) GTEST_SKIP() << rsm::testing::reql_fixtures_missing_reason(); \
  const std::filesystem::path var = *var##_found
