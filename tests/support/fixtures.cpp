#include "support/fixtures.h"

#include <cstdlib>
#include <fstream>

namespace rsm::testing {

namespace {
std::filesystem::path shared_dir() {
  if (const char* dir = std::getenv("RSM_SHARED_DIR"); dir && *dir) return dir;
  return std::filesystem::path(RSM_SOURCE_DIR).parent_path() / "shared";
}
}  // namespace

std::optional<std::filesystem::path> reql_fixtures() {
  auto dir = shared_dir() / "fixtures" / "reql";
  if (std::filesystem::exists(dir / "handshake")) return dir;
  return std::nullopt;
}

std::string reql_fixtures_missing_reason() {
  return "no RethinkDB fixtures at " + (shared_dir() / "fixtures" / "reql").string() +
         " (set RSM_SHARED_DIR to the shared folder that holds fixtures/reql)";
}

nlohmann::json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

}  // namespace rsm::testing
