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

namespace {
std::filesystem::path openapi_file() {
  return shared_dir() / "reference" / "digitalocean-openapi" / "specification" / "DigitalOcean-public.v2.yaml";
}
}  // namespace

std::optional<std::filesystem::path> digitalocean_openapi() {
  if (std::filesystem::exists(openapi_file())) return openapi_file();
  return std::nullopt;
}

std::string digitalocean_openapi_missing_reason() {
  return "no DigitalOcean OpenAPI description at " + openapi_file().string() +
         " (set RSM_SHARED_DIR to the shared folder that holds reference/digitalocean-openapi)";
}

nlohmann::json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

}  // namespace rsm::testing
