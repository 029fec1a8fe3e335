// One small JSON file per environment, written whole: see restore_marker.h.
#include "db/backup/restore_marker.h"

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/state_dir.h"

namespace rsm::db::backup {

namespace fs = std::filesystem;
using nlohmann::json;

RestoreMarker::RestoreMarker(std::string env, const std::string& file) : relative_("restores/" + env + ".json") {
  std::error_code ec;
  auto path = fs::absolute(file, ec);
  auto size = fs::file_size(path, ec);
  auto changed = fs::last_write_time(path, ec).time_since_epoch().count();
  identity_ = fmt::format("{} {} {}", path.string(), size, changed);
  if (auto text = read_state(relative_)) {
    json record = json::parse(*text, nullptr, false);
    if (record.is_object() && record.value("archive", "") == identity_)
      for (const auto& table : record.value("tables", json::array())) resumed_.insert(table.get<std::string>());
  }
  started_ = resumed_;
}

void RestoreMarker::started(const std::string& table) {
  started_.insert(table);
  write_state(relative_, json{{"archive", identity_}, {"tables", started_}}.dump() + "\n");
}

void RestoreMarker::finished() {
  std::error_code ec;
  fs::remove(state_dir() / relative_, ec);
}

}  // namespace rsm::db::backup
