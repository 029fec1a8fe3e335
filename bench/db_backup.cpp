// Times `rsm db backup` and `rsm db restore` of N small documents (default 1,000,000) on a
// one-node local environment, with the peak resident memory of the rsm process, next to
// what the same data costs without an archive: reading the table through one driver
// connection (the ceiling of a backup) and inserting it (the seeding, in batches of
// 10,000). The database is the memory stand-in (tests/support/memory_rethinkdb.h), or the
// real one with RSM_TEST_RETHINKDB_IMAGE.
//
//   build/bench/db_backup [DOCUMENTS]   (root, a running dockerd, build/rsm)
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "reql/term.h"
#include "support/db_connection.h"
#include "support/rsm_runner.h"
#include "support/state_folder.h"
#include "support/test_images.h"
#include "util/subprocess.h"

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using reql::r;
using namespace rsm::testing;

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct Run {
  double seconds = 0;
  long peak_kib = 0;  // the process's resident memory at its highest
};

// Runs rsm to its end and reads its peak resident memory from the kernel (wait4).
Run run_measured(const std::vector<std::string>& args) {
  std::vector<std::string> argv{RSM_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> pointers;
  for (auto& arg : argv) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  auto start = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    execv(pointers[0], pointers.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(fmt::format("rsm {} failed", fmt::join(args, " ")));
  return {since(start), usage.ru_maxrss};
}

void check(const rsm::ProcessResult& result, const std::string& what) {
  if (result.exit_code != 0) throw std::runtime_error(what + " failed:\n" + result.output);
}

DbConnection connect(const std::string& env) {
  for (int attempt = 0;; ++attempt) {
    try {
      return connect_to_db(env);
    } catch (const std::exception&) {
      if (attempt > 120) throw;
      usleep(500000);
    }
  }
}

int measure(const std::string& env, int documents) {
  rsm::engine::Client host(rsm::engine::Endpoint::from_environment());
  std::string image = real_rethinkdb_image();
  bool real = !image.empty();
  if (!real) image = ensure_memory_rethinkdb_image(host, RSM_TEST_SERVER_BINARY);
  std::vector<std::string> create{"db", "create", env, "--image", image};
  if (!real) create.push_back("--no-wait");
  check(run_rsm({"nodes", "create", env, "-m", "1", "-q"}), "rsm nodes create");
  check(run_rsm(create), "rsm db create");
  auto db = connect(env);
  db.connection->run(r.db_create("bench"));
  db.connection->run(r.db("bench").table_create("docs"));

  auto start = Clock::now();
  json batch = json::array();
  for (int i = 0; i < documents; ++i) {
    batch.push_back({{"id", i}, {"name", fmt::format("user {}", i)}, {"score", i % 1000}, {"active", i % 2 == 0}});
    if (batch.size() == 10000 || i + 1 == documents) {
      db.connection->run(r.db("bench").table("docs").insert(batch));
      batch = json::array();
    }
  }
  double insert_seconds = since(start);

  start = Clock::now();
  long read = 0;
  auto cursor = db.connection->run(r.db("bench").table("docs").order_by({}, {{"index", "id"}}),
                                   {{"time_format", "raw"}, {"binary_format", "raw"}});
  while (cursor.next()) ++read;
  double read_seconds = since(start);
  if (read != documents) throw std::runtime_error(fmt::format("read {} documents of {}", read, documents));

  std::string file = fmt::format("/tmp/rsm-bench-backup-{}.tar.gz", getpid());
  std::filesystem::remove(file);
  Run backup = run_measured({"db", "backup", env, "-o", file});
  double megabytes = static_cast<double>(std::filesystem::file_size(file)) / 1e6;

  db = {};
  check(run_rsm({"db", "rm", env, "-f"}), "rsm db rm");
  check(run_rsm(create), "rsm db create");
  db = connect(env);
  Run restore = run_measured({"db", "restore", env, file});
  long restored = db.connection->run(r.db("bench").table("docs").count()).value().get<long>();
  std::filesystem::remove(file);
  if (restored != documents) throw std::runtime_error(fmt::format("restored {} of {}", restored, documents));

  fmt::print("database: {}; {} documents, archive {:.1f} MB\n", real ? image : "the memory stand-in", documents,
             megabytes);
  fmt::print("backup:  {:.2f} s, {:.0f} documents/s, {:.1f} MB/s of archive, peak memory {:.1f} MB\n", backup.seconds,
             documents / backup.seconds, megabytes / backup.seconds, backup.peak_kib / 1024.0);
  fmt::print(
      "  reading the table through one connection alone: {:.2f} s ({:.0f} documents/s); ratio backup/read "
      "{:.2f}\n",
      read_seconds, documents / read_seconds, backup.seconds / read_seconds);
  fmt::print("restore: {:.2f} s, {:.0f} documents/s, peak memory {:.1f} MB\n", restore.seconds,
             documents / restore.seconds, restore.peak_kib / 1024.0);
  fmt::print(
      "  inserting them through one connection alone (batches of 10,000): {:.2f} s ({:.0f} documents/s); "
      "ratio restore/insert {:.2f}\n",
      insert_seconds, documents / insert_seconds, restore.seconds / insert_seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  setenv("RSM_RELAY", RSM_RELAY_BINARY, 0);
  rsm::testing::StateFolder state("rsm-bench-state");
  std::string env = fmt::format("bench-bk-{}", getpid());
  int code = 1;
  try {
    code = measure(env, argc > 1 ? std::atoi(argv[1]) : 1000000);
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", e.what());
  }
  run_rsm({"nodes", "rm", env, "-f"});
  return code;
}
