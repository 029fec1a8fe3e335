// Where the shared test data lives, beside the repository in ../shared (RSM_SHARED_DIR
// overrides it): the recorded RethinkDB fixtures (fixtures/reql) and public reference
// data such as DigitalOcean's OpenAPI description (reference/). Read in place, never copied.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace rsm::testing {

// The folder, or nullopt (tests then skip, saying where they looked).
std::optional<std::filesystem::path> reql_fixtures();
std::string reql_fixtures_missing_reason();

// DigitalOcean's OpenAPI description (its main file), or nullopt; then the reason.
std::optional<std::filesystem::path> digitalocean_openapi();
std::string digitalocean_openapi_missing_reason();

nlohmann::json read_json(const std::filesystem::path& file);

}  // namespace rsm::testing

// Skips the current test when the fixtures are not there.
#define RSM_REQUIRE_REQL_FIXTURES(var)                                            \
  auto var##_found = rsm::testing::reql_fixtures();                               \
  if (!var##_found) GTEST_SKIP() << rsm::testing::reql_fixtures_missing_reason(); \
  const std::filesystem::path var = *var##_found
