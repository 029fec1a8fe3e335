// The folder where scheduled backups keep their archives (the rsm-backups volume, mounted
// at /backups in the rsm-backup service): archives named by the UTC time they were
// started, so that name order is time order; the newest N kept; and last.json, what the
// last run did, which `rsm db backups` and `rsm db status` read. An archive is in the
// folder only once complete (dump_archive.h writes FILE.partial, then renames it).
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rsm::scheduled_backup {

// "backup-20261202T104300Z.tar.gz"
std::string archive_name(std::time_t started);

struct Archive {
  std::string name;
  uint64_t bytes = 0;
};

// The folder's archives, newest first; unfinished ones (.partial) are not archives.
std::vector<Archive> list_archives(const std::string& folder);

// Removes the oldest archives beyond `keep` and whatever unfinished run left; returns the
// names of the archives it removed.
std::vector<std::string> prune(const std::string& folder, size_t keep);

// What the last run did.
struct LastRun {
  std::time_t started = 0;
  bool ok = false;
  std::string archive;  // its name, when ok
  std::string error;    // one line, when not
  uint64_t documents = 0, bytes = 0;
  double seconds = 0;

  nlohmann::json to_json() const;
  static LastRun from_json(const nlohmann::json& value);
};

std::optional<LastRun> read_last_run(const std::string& folder);
// Written whole or not at all (a temporary file renamed).
void write_last_run(const std::string& folder, const LastRun& run);

// When the next run is due: `every` after the last one started, or now when there was none
// (or the clock went back).
std::time_t next_run(const std::optional<LastRun>& last, std::chrono::seconds every, std::time_t now);

// What `rsm-backup list` prints: {"archives": [{name, bytes}], "last": {...} or null}.
nlohmann::json describe(const std::string& folder);

}  // namespace rsm::scheduled_backup
