// The rsm-backup service and what it keeps: see schedule.h.
#include "db/backup/schedule.h"

#include <filesystem>
#include <fstream>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "db/layout.h"
#include "engine/exec.h"
#include "images/program_image.h"
#include "swarm/labels.h"
#include "swarm/objects.h"
#include "swarm/resources.h"
#include "util/duration.h"
#include "util/error.h"
#include "util/poll.h"
#include "util/tar_reader.h"

namespace rsm::db::backup {

using nlohmann::json;

namespace {

constexpr const char* kComponent = "backup";
constexpr const char* kEveryLabel = "rsm.backup.every";  // seconds
constexpr const char* kKeepLabel = "rsm.backup.keep";
constexpr const char* kFolder = "/backups";
constexpr long long kSecond = 1000000000LL;

json service_spec(const std::string& env, const std::string& image, const std::string& secret_id,
                  const Schedule& schedule) {
  json labels = swarm::component_labels(env, kComponent);
  json service_labels = labels;
  service_labels[swarm::kNodeLabel] = schedule.node;
  service_labels[kEveryLabel] = std::to_string(schedule.every.count());
  service_labels[kKeepLabel] = std::to_string(schedule.keep);
  json container{
      {"Image", image},
      {"Args", {"run", "--every", std::to_string(schedule.every.count()), "--keep", std::to_string(schedule.keep)}},
      {"Labels", labels},
      {"Mounts",
       {{{"Type", "volume"},
         {"Source", kArchivesVolume},
         {"Target", kFolder},
         {"VolumeOptions", {{"Labels", labels}}}}}},
      {"Secrets",
       {{{"SecretID", secret_id},
         {"SecretName", kPasswordSecret},
         {"File", {{"Name", kPasswordSecret}, {"UID", "0"}, {"GID", "0"}, {"Mode", 0400}}}}}},
      {"StopGracePeriod", 10 * kSecond},
  };
  return {
      {"Name", kScheduleService},
      {"Labels", service_labels},
      {"TaskTemplate",
       {{"ContainerSpec", container},
        // Pinned: the archives are in a volume of that node.
        {"Placement", {{"Constraints", {fmt::format("node.labels.{}=={}", swarm::kNodeLabel, schedule.node)}}}},
        {"RestartPolicy", {{"Condition", "any"}, {"Delay", 5 * kSecond}, {"MaxAttempts", 0}}},
        {"Networks", {{{"Target", kNetwork}}}}}},
      {"Mode", {{"Replicated", {{"Replicas", 1}}}}},
      // Without IPVS there are no virtual IPs; nothing calls this service anyway.
      {"EndpointSpec", {{"Mode", "dnsrr"}}},
  };
}

drivers::Node node_named(swarm::Environment& env, const std::string& name) {
  for (auto& node : env.nodes())
    if (node.name == name) return node;
  throw Error(
      fmt::format("node {} of the scheduled backups is gone, and their archives with it: stop them with "
                  "`rsm db backup {} --every off` and schedule them again",
                  name, env.name()));
}

Schedule schedule_of(const swarm::ServiceView& service) {
  std::string every = service.label(kEveryLabel);
  return Schedule{.every = std::chrono::seconds(std::stoll(every.empty() ? "0" : every)),
                  .keep = std::atoi(service.label(kKeepLabel).c_str()),
                  .node = service.label(swarm::kNodeLabel)};
}

// The service's running task: the node and container that hold the archives.
swarm::RunningTask running_task(swarm::Environment& env, engine::Client& manager) {
  auto tasks = swarm::service_tasks(manager, kScheduleService);
  if (auto running = env.running(manager, tasks); !running.empty()) return running.front();
  auto failure = swarm::task_failure(tasks);
  throw Error(fmt::format("the scheduled backups' service does not run{}; see `docker service ps {}` on a manager",
                          failure ? ": " + *failure : "", kScheduleService));
}

// What `rsm-backup list` says in the task, with the schedule added.
json list_archives(const swarm::RunningTask& task, const Schedule& schedule) {
  engine::Client node_engine(task.node.engine);
  std::string output, errors;
  int code = engine::exec_in_container(node_engine, task.container, {"/rsm-backup", "list"},
                                       [&](engine::StreamKind kind, std::string_view chunk) {
                                         (kind == engine::StreamKind::Stdout ? output : errors).append(chunk);
                                       });
  json described = json::parse(output, nullptr, false);
  if (code != 0 || described.is_discarded())
    throw Error(
        fmt::format("cannot list the scheduled backups on {}: {}", task.node.name, errors.empty() ? output : errors));
  described["every"] = format_duration(schedule.every);
  described["keep"] = schedule.keep;
  described["node"] = schedule.node;
  return described;
}

}  // namespace

std::optional<Schedule> backup_schedule(swarm::Environment& env) {
  engine::Client manager(env.reachable_manager().engine);
  auto service = swarm::find_service(manager, kScheduleService);
  if (!service) return std::nullopt;
  return schedule_of(*service);
}

Schedule schedule_backups(swarm::Environment& env, std::chrono::seconds every, int keep, Progress& progress) {
  if (every < std::chrono::seconds(1)) throw UsageError("--every takes a duration of a second or more, e.g. 6h");
  if (keep < 1) throw UsageError("--keep takes a number of archives, 1 or more");
  engine::Client manager(env.reachable_manager().engine);
  auto secret = swarm::find_object(manager, "secrets", kPasswordSecret);
  if (!secret)
    throw UsageError(
        fmt::format("environment {0} has no database to back up: run `rsm db create {0}` first", env.name()));

  Schedule schedule{.every = every, .keep = keep};
  if (auto existing = swarm::find_service(manager, kScheduleService)) {
    schedule.node = schedule_of(*existing).node;
  } else {
    for (const auto& node : env.nodes())
      if (node.role == drivers::Role::Manager && node.running()) {
        schedule.node = node.name;
        break;
      }
    if (schedule.node.empty()) throw Error(fmt::format("no manager of {} runs: start one first", env.name()));
  }
  engine::Client node_engine(node_named(env, schedule.node).engine);
  std::string image = images::ensure_program_image(node_engine, "rsm-backup", "RSM_BACKUP");
  auto change = swarm::apply_service(manager, service_spec(env.name(), image, secret->id, schedule));
  if (change != swarm::ServiceChange::Unchanged)
    progress.step(kScheduleService, fmt::format("backing up every {}, keeping {} archives on {}",
                                                format_duration(every), keep, schedule.node));
  std::string see = fmt::format("see `docker service ps {}` on a manager", kScheduleService);
  // A new schedule replaces the task: the old one must not answer for the new.
  if (change == swarm::ServiceChange::Updated)
    swarm::wait_for_update(manager, *swarm::find_service(manager, kScheduleService), false, see, progress);
  std::vector<swarm::TaskView> tasks;
  poll_until(
      std::chrono::seconds(60), std::chrono::milliseconds(250),
      [&] {
        auto failure = swarm::task_failure(tasks);
        return fmt::format("the scheduled backups' service does not start{}; {}", failure ? ": " + *failure : "", see);
      },
      [&] {
        tasks = swarm::service_tasks(manager, kScheduleService);
        return swarm::running_tasks(tasks) > 0;
      });
  return schedule;
}

bool unschedule_backups(swarm::Environment& env) {
  engine::Client manager(env.reachable_manager().engine);
  auto service = swarm::find_service(manager, kScheduleService);
  if (!service) return false;
  manager.remove("/services/" + service->id);
  return true;
}

json scheduled_backups(swarm::Environment& env) {
  engine::Client manager(env.reachable_manager().engine);
  auto service = swarm::find_service(manager, kScheduleService);
  if (!service) return nullptr;
  return list_archives(running_task(env, manager), schedule_of(*service));
}

std::string describe_run(const json& last) {
  if (!last.is_object()) return "none yet";
  std::string when = fmt::format("{:%Y-%m-%d %H:%M} UTC", fmt::gmtime(last.value("started", std::time_t{0})));
  if (last.value("ok", false))
    return fmt::format("{} ({} documents in {:.1f} s), {}", last.value("archive", ""),
                       last.value("documents", uint64_t{0}), last.value("seconds", 0.0), when);
  return fmt::format("FAILED {}: {}", when, last.value("error", ""));
}

void fetch_backup(swarm::Environment& env, const std::string& name, const std::string& file, Progress& progress) {
  engine::Client manager(env.reachable_manager().engine);
  auto service = swarm::find_service(manager, kScheduleService);
  if (!service)
    throw UsageError(
        fmt::format("{0} has no scheduled backups: `rsm db backup {0} -o FILE` makes one here", env.name()));
  auto task = running_task(env, manager);
  auto listed = list_archives(task, schedule_of(*service));
  bool found = false;
  for (const auto& archive : listed["archives"]) found = found || archive.value("name", "") == name;
  if (!found)
    throw UsageError(
        fmt::format("no archive {} among the scheduled backups: `rsm db backups {}` lists them", name, env.name()));
  progress.step(task.node.name, fmt::format("copying {} from the volume {}", name, kArchivesVolume));
  // The engine sends a tar of the file: streamed to disk, then the file copied out of it,
  // so that neither is ever whole in memory.
  std::string partial = file + ".partial", tar = file + ".partial.tar";
  auto clean = [&] {
    std::error_code ignored;
    std::filesystem::remove(tar, ignored);
    std::filesystem::remove(partial, ignored);
  };
  try {
    std::ofstream out(tar, std::ios::binary | std::ios::trunc);
    engine::Client node_engine(task.node.engine);
    node_engine.checked(
        engine::Method::Get, fmt::format("/containers/{}/archive?path={}/{}", task.container, kFolder, name),
        {.sink = [&](std::string_view chunk) { out.write(chunk.data(), chunk.size()); }, .timeout_seconds = 0});
    if (!out.flush()) throw Error(fmt::format("cannot write {}: check the disk and its permissions", tar));
    out.close();
    if (!extract_tar_file(tar, name, partial))
      throw Error(fmt::format("the engine on {} sent no {}", task.node.name, name));
    std::filesystem::remove(tar);
    std::filesystem::rename(partial, file);
  } catch (...) {
    clean();
    throw;
  }
}

}  // namespace rsm::db::backup
