// rsm-backup: the program of the rsm-backup service, which backs the environment's
// database up on a schedule, inside the swarm, into the archives folder of its volume
// (archive_folder.h). One static binary in a FROM scratch image, like the relay.
//
//   rsm-backup run --every SECONDS --keep N   back up every SECONDS, keep the newest N
//   rsm-backup list                           print the archives and the last run (JSON)
//
// It reaches the servers at db:28015 on the dbnet network, as the admin user with the
// password from the swarm secret, and writes with the same code as `rsm db backup`, so an
// archive is in rethinkdb dump's format. A failed run is logged and written to last.json
// (`rsm db status` shows it); the next run is on schedule all the same.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "db/backup/backup.h"
#include "reql/connection.h"
#include "scheduled_backup/archive_folder.h"
#include "util/error.h"
#include "util/progress.h"

namespace {

using namespace rsm;
using namespace rsm::scheduled_backup;

constexpr const char* kFolder = "/backups";
constexpr const char* kPasswordFile = "/run/secrets/rsm-db-password";

std::string read_password() {
  std::ifstream in(kPasswordFile);
  std::string password;
  std::getline(in, password);
  return password;
}

LastRun back_up_once() {
  LastRun run{.started = std::time(nullptr)};
  std::string name = archive_name(run.started);
  auto start = std::chrono::steady_clock::now();
  try {
    auto connection =
        reql::Connection::connect({.host = "db", .password = read_password(), .read_timeout = std::chrono::minutes(5)});
    Progress quiet(true);
    auto result = db::backup::back_up(*connection, std::string(kFolder) + "/" + name, {}, quiet);
    run.ok = true;
    run.archive = name;
    run.documents = result.documents;
    run.bytes = result.bytes;
  } catch (const std::exception& e) {
    run.error = e.what();
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return run;
}

int run(std::chrono::seconds every, size_t keep) {
  fmt::print("rsm-backup: every {} s, keeping {} archives in {}\n", every.count(), keep, kFolder);
  std::fflush(stdout);
  for (;;) {
    std::time_t due = next_run(read_last_run(kFolder), every, std::time(nullptr));
    while (std::time(nullptr) < due) std::this_thread::sleep_for(std::chrono::milliseconds(250));
    LastRun done = back_up_once();
    if (done.ok) {
      auto removed = prune(kFolder, keep);
      fmt::print("backed up {} documents into {} in {:.1f} s{}\n", done.documents, done.archive, done.seconds,
                 removed.empty() ? "" : fmt::format(" (removed {} older)", removed.size()));
    } else {
      fmt::print("backup failed: {}\n", done.error);
    }
    std::fflush(stdout);
    write_last_run(kFolder, done);
  }
}

int usage() {
  std::fputs("usage: rsm-backup run --every SECONDS --keep N | rsm-backup list\n", stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // PID 1 of its container: without a handler, SIGTERM would be ignored until SIGKILL. An
  // archive being written stays FILE.partial, which the next run removes.
  signal(SIGTERM, [](int) { _exit(0); });
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && args[0] == "list") {
    fmt::print("{}\n", describe(kFolder).dump());
    return 0;
  }
  if (args.size() == 5 && args[0] == "run" && args[1] == "--every" && args[3] == "--keep") {
    long every = std::atol(args[2].c_str());
    long keep = std::atol(args[4].c_str());
    if (every <= 0 || keep <= 0) return usage();
    return run(std::chrono::seconds(every), static_cast<size_t>(keep));
  }
  return usage();
}
