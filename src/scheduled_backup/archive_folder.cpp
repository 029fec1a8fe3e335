// The archives folder of scheduled backups: see archive_folder.h.
#include "scheduled_backup/archive_folder.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace rsm::scheduled_backup {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::regex kArchiveName(R"(backup-\d{8}T\d{6}Z\.tar\.gz)");
constexpr const char* kLastRunFile = "last.json";

}  // namespace

std::string archive_name(std::time_t started) {
  std::tm utc{};
  gmtime_r(&started, &utc);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y%m%dT%H%M%SZ", &utc);
  return std::string("backup-") + text.data() + ".tar.gz";
}

std::vector<Archive> list_archives(const std::string& folder) {
  std::vector<Archive> archives;
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator(folder, ignored)) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && std::regex_match(name, kArchiveName))
      archives.push_back({.name = name, .bytes = static_cast<uint64_t>(entry.file_size())});
  }
  std::sort(archives.begin(), archives.end(), [](const Archive& a, const Archive& b) { return a.name > b.name; });
  return archives;
}

std::vector<std::string> prune(const std::string& folder, size_t keep) {
  std::vector<std::string> removed;
  auto archives = list_archives(folder);
  for (size_t i = keep; i < archives.size(); ++i) {
    fs::remove(fs::path(folder) / archives[i].name);
    removed.push_back(archives[i].name);
  }
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator(folder, ignored))
    if (entry.path().filename().string().find(".partial") != std::string::npos) fs::remove(entry.path(), ignored);
  return removed;
}

json LastRun::to_json() const {
  return {{"started", started},     {"ok", ok},       {"archive", archive}, {"error", error},
          {"documents", documents}, {"bytes", bytes}, {"seconds", seconds}};
}

LastRun LastRun::from_json(const json& value) {
  return {.started = value.value("started", std::time_t{0}),
          .ok = value.value("ok", false),
          .archive = value.value("archive", ""),
          .error = value.value("error", ""),
          .documents = value.value("documents", uint64_t{0}),
          .bytes = value.value("bytes", uint64_t{0}),
          .seconds = value.value("seconds", 0.0)};
}

std::optional<LastRun> read_last_run(const std::string& folder) {
  std::ifstream in(fs::path(folder) / kLastRunFile);
  if (!in) return std::nullopt;
  auto value = json::parse(in, nullptr, false);
  if (value.is_discarded() || !value.is_object()) return std::nullopt;
  return LastRun::from_json(value);
}

void write_last_run(const std::string& folder, const LastRun& run) {
  auto path = fs::path(folder) / kLastRunFile;
  auto making = path;
  making += ".new";
  {
    std::ofstream out(making, std::ios::trunc);
    out << run.to_json().dump() << "\n";
  }
  fs::rename(making, path);
}

std::time_t next_run(const std::optional<LastRun>& last, std::chrono::seconds every, std::time_t now) {
  if (!last || last->started > now) return now;
  return std::max(now, last->started + static_cast<std::time_t>(every.count()));
}

json describe(const std::string& folder) {
  json archives = json::array();
  for (const auto& archive : list_archives(folder))
    archives.push_back({{"name", archive.name}, {"bytes", archive.bytes}});
  auto last = read_last_run(folder);
  return {{"archives", archives}, {"last", last ? last->to_json() : json()}};
}

}  // namespace rsm::scheduled_backup
