// Scheduled backups: the rsm-backup service (src/scheduled_backup/main.cpp), one task
// pinned to one node (the first manager when it is first made), writing an archive on
// the schedule into the volume rsm-backups there and keeping the newest N. The archives
// stay on that node: `rsm db backup ENV --fetch NAME` copies one here. Listing and
// fetching go through the task's container on its node's engine (`rsm-backup list`, the
// engine's archive endpoint): nothing is published.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "swarm/environment.h"
#include "util/progress.h"

namespace rsm::db::backup {

inline constexpr const char* kScheduleService = "rsm-backup";
inline constexpr const char* kArchivesVolume = "rsm-backups";

struct Schedule {
  std::chrono::seconds every{0};
  int keep = 0;
  std::string node;  // where the task and its archives are
};

// Starts the service or changes its schedule (its node never changes: the archives are
// there), and returns the schedule. UsageError when the environment has no database yet.
Schedule schedule_backups(swarm::Environment& env, std::chrono::seconds every, int keep, Progress& progress);
// The schedule, when there is one.
std::optional<Schedule> backup_schedule(swarm::Environment& env);

// Stops scheduled backups; the archives stay in the volume. False when none were scheduled.
bool unschedule_backups(swarm::Environment& env);

// What `rsm-backup list` says (archive_folder.h's describe()), with "every", "keep" and
// "node"; null when none are scheduled. Error when the service's task does not run.
nlohmann::json scheduled_backups(swarm::Environment& env);

// A run as `rsm-backup list` describes it ("last"): "backup-....tar.gz (12 documents in
// 0.3 s), 2026-12-02 08:00 UTC", or "FAILED <when>: <why>", or "none yet".
std::string describe_run(const nlohmann::json& last);

// Copies the archive `name` to `file` (written as FILE.partial, renamed when complete).
// UsageError naming `rsm db backups` for a name that is not there.
void fetch_backup(swarm::Environment& env, const std::string& name, const std::string& file, Progress& progress);

}  // namespace rsm::db::backup
