// rsm db backup and restore on a real local swarm, through the relay: against the memory
// stand-in database (support/memory_rethinkdb.h in the stand-in image: one server, since
// each stand-in keeps its own tables), and against a real RethinkDB on three nodes when
// RSM_TEST_RETHINKDB_IMAGE names one (skipped otherwise): two databases, five tables and 100,000 documents
// of every JSON type and the pseudo-types, compound, multi and geo indexes and a write
// hook, backed up, the database removed and made again, restored equal; a restore into
// tables with documents refused unless forced; a restore stopped by Ctrl-C and run again
// ending with each document once; a file that is not a backup refused before anything;
// backups on a schedule inside the swarm, the newest kept, a failed one shown by
// `rsm db status`, one fetched here restored; a backup while writes go on.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "db/backup/dump_archive.h"
#include "engine/client.h"
#include "engine/url.h"
#include "reql/term.h"
#include "support/db_connection.h"
#include "support/environment_fixture.h"
#include "support/rsm_runner.h"
#include "support/state_folder.h"
#include "support/test_images.h"
#include "util/poll.h"
#include "util/subprocess.h"

using namespace rsm;
using namespace rsm::testing;
using namespace std::chrono_literals;
using nlohmann::json;
using reql::r;
namespace fs = std::filesystem;

namespace {

const reql::RunOptions kRaw{{"time_format", "raw"}, {"binary_format", "raw"}};

json document(int i) {
  return {{"id", i},
          {"name", fmt::format("customer {}", i % 500)},
          {"city", i % 7 == 0 ? "Berlin" : "Lagos"},
          {"tags", {"a", i % 3 == 0 ? "b" : "c"}},
          {"null", nullptr},
          {"flag", i % 2 == 0},
          {"amount", i * 1.5},
          {"note", "dökümän ✓ \"quoted\"\n"},
          {"nested", {{"deep", {{"deeper", json::array({i, "x", json::object()})}}}}},
          {"at", {{"$reql_type$", "TIME"}, {"epoch_time", 1764662400.5 + i}, {"timezone", "-07:00"}}},
          {"bytes", {{"$reql_type$", "BINARY"}, {"data", "AAECAwQ="}}},
          {"place", {{"$reql_type$", "GEOMETRY"}, {"type", "Point"}, {"coordinates", {13.4, 52.5}}}}};
}

// db.table -> documents, 100,000 in all.
const std::vector<std::tuple<std::string, std::string, int>> kTables{{"shop", "orders", 70000},
                                                                     {"shop", "customers", 20000},
                                                                     {"shop", "empty", 0},
                                                                     {"people", "users", 6000},
                                                                     {"people", "events", 4000}};

// The database a test runs against: "memory" (the stand-in) or "real".
class DbBackup : public EnvironmentTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    real_ = GetParam() == "real";
    if (real_) {
      image_ = real_rethinkdb_image();
      if (image_.empty()) GTEST_SKIP() << "no RethinkDB image to test with: set RSM_TEST_RETHINKDB_IMAGE";
    }
    state_.emplace("rsm-backup-state");
    make_environment("bk", real_ ? 3 : 1, 0);
    engine::Client host(engine::Endpoint::from_environment());
    if (!real_) image_ = ensure_memory_rethinkdb_image(host, RSM_TEST_SERVER_BINARY);
    create_database();
  }
  void TearDown() override {
    if (env_.empty()) return;  // skipped
    EnvironmentTest::TearDown();
    state_.reset();
  }

  void create_database() {
    // The stand-in forms no cluster: its servers are waited for only until they run.
    std::vector<std::string> args{"db", "create", env_, "--image", image_};
    if (!real_) args.push_back("--no-wait");
    auto created = run_rsm(args);
    ASSERT_EQ(created.exit_code, 0) << created.output;
    poll_until(
        60s, 500ms, [] { return std::string("the stand-in database does not answer through the relay"); },
        [&] {
          try {
            db_ = connect_to_db(env_);
            return true;
          } catch (const std::exception&) {
            return false;
          }
        });
  }

  // kTables' documents, or one in `fraction` of them (a test that needs no volume).
  void seed(int fraction = 1) {
    auto& c = *db_.connection;
    c.run(r.db_create("shop"));
    c.run(r.db_create("people"));
    int next = 0;
    for (const auto& [db, table, all] : kTables) {
      int count = all / fraction;
      c.run(r.db(db).table_create(table, {{"primary_key", "id"}}));
      json batch = json::array();
      for (int i = 0; i < count; ++i) {
        batch.push_back(document(next++));
        if (batch.size() == 2000 || i + 1 == count) {
          c.run(r.db(db).table(table).insert(batch));
          batch = json::array();
        }
      }
    }
    auto orders = r.db("shop").table("orders");
    c.run(orders.index_create("city_and_name", [](reql::Term d) { return r.array(d["city"], d["name"]); }));
    c.run(orders.index_create("tag", [](reql::Term d) { return d["tags"]; }, {{"multi", true}}));
    c.run(orders.index_create("place", [](reql::Term d) { return d["place"]; }, {{"geo", true}}));
    c.run(reql::Term::make(reql::TermType::SET_WRITE_HOOK,
                           {orders, reql::Term([](reql::Term, reql::Term, reql::Term n) { return n; })}));
  }

  // Everything a restore must bring back: each table's documents (raw), indexes and hook.
  json snapshot() {
    auto& c = *db_.connection;
    json all = json::object();
    for (const auto& [db, table, count] : kTables) {
      auto t = r.db(db).table(table);
      all[db + "." + table] = {{"documents", c.run(t.order_by({}, {{"index", "id"}}), kRaw).to_array()},
                               {"indexes", c.run(t.index_status(), kRaw).value()},
                               {"hook", c.run(reql::Term::make(reql::TermType::GET_WRITE_HOOK, {t}), kRaw).value()}};
    }
    return all;
  }

  // Freezes (or thaws) every database server's container: clients connect and get no answer.
  void freeze_servers(bool frozen) {
    auto nodes = run_rsm({"nodes", "ls", env_, "--json"});
    ASSERT_EQ(nodes.exit_code, 0) << nodes.output;
    for (const auto& row : json::parse(nodes.output)) {
      engine::Client engine(node_engine(env_, row["name"]));
      std::string filter = engine::encode_filters({{"label", {"rsm.db.server"}}});
      for (const auto& container : engine.get("/containers/json?filters=" + filter))
        engine.post(fmt::format("/containers/{}/{}", container["Id"].get<std::string>(), frozen ? "pause" : "unpause"));
    }
  }

  json scheduled_backups() {
    auto listed = run_rsm({"db", "backups", env_, "--json"});
    EXPECT_EQ(listed.exit_code, 0) << listed.output;
    return json::parse(listed.output, nullptr, false);
  }

  std::string file(const std::string& name) const { return (state_->path() / name).string(); }

  bool real_ = false;
  std::optional<StateFolder> state_;
  std::string image_;
  DbConnection db_;
};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Databases, DbBackup, ::testing::Values("memory", "real"),
                         [](const auto& info) { return info.param; });

TEST_P(DbBackup, EverythingComesBackAfterTheDatabaseIsRemovedAndMadeAgain) {
  seed();
  json before = snapshot();
  ASSERT_EQ(before["shop.orders"]["documents"].size(), 70000u);

  auto backed_up = run_rsm({"db", "backup", env_, "-o", file("all.tar.gz"), "--json"});
  ASSERT_EQ(backed_up.exit_code, 0) << backed_up.output;
  json result = json::parse(backed_up.output.substr(backed_up.output.find('{')));
  EXPECT_EQ(result["documents"], 100000);
  EXPECT_EQ(result["tables"].size(), 5u);
  EXPECT_EQ(result["indexes"], 3);
  EXPECT_EQ(result["write_hooks"], 1);
  auto again = run_rsm({"db", "backup", env_, "-o", file("all.tar.gz")});
  EXPECT_EQ(again.exit_code, 2) << "a backup never writes over a file";
  // Every table already has the replicas the cluster wants (the memory stand-in is one server).
  auto replicated = run_rsm({"db", "replicate", env_, "--json"});
  ASSERT_EQ(replicated.exit_code, 0) << replicated.output;
  EXPECT_EQ(json::parse(replicated.output.substr(replicated.output.find('{')))["reconfigured"].size(),
            real_ ? 5u : 0u);
  // The shell: a term given, and terms read from stdin, one failing.
  auto added = run_rsm({"db", "shell", env_, "-e", "r.expr(1).add(2)"});
  EXPECT_EQ(added.exit_code, 0) << added.output;
  EXPECT_EQ(added.output, "3\n");
  auto piped = run_process(
      {"sh", "-c",
       fmt::format("printf '%s\\n' \"r.db('shop').table('orders').count()\" 'r.nope()' | {} db shell {}", RSM_BINARY,
                   env_)});
  EXPECT_EQ(piped.exit_code, 1) << piped.output;
  EXPECT_NE(piped.output.find("70000\n"), std::string::npos) << piped.output;
  EXPECT_NE(piped.output.find("not a term: no term 'nope'"), std::string::npos) << piped.output;

  db_ = {};
  ASSERT_EQ(run_rsm({"db", "rm", env_, "-f"}).exit_code, 0);
  create_database();
  auto restored = run_rsm({"db", "restore", env_, file("all.tar.gz")});
  ASSERT_EQ(restored.exit_code, 0) << restored.output;
  EXPECT_NE(restored.output.find("100000 documents"), std::string::npos) << restored.output;
  json after = snapshot();
  for (const auto& [name, table] : before.items()) {
    EXPECT_EQ(after[name]["documents"], table["documents"]) << name;
    EXPECT_EQ(after[name]["indexes"], table["indexes"]) << name;
    EXPECT_EQ(after[name]["hook"], table["hook"]) << name;
  }

  // Into tables that have documents: refused, unless forced.
  auto refused = run_rsm({"db", "restore", env_, file("all.tar.gz")});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.output.find("already has"), std::string::npos) << refused.output;
  auto forced = run_rsm({"db", "restore", env_, file("all.tar.gz"), "-i", "people.users", "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_EQ(db_.connection->run(r.db("people").table("users").count()).value(), 6000);

  // What is not a backup is refused before anything is asked of the database.
  std::ofstream(file("notes.txt")) << "shopping list\n";
  auto not_backup = run_rsm({"db", "restore", env_, file("notes.txt")});
  EXPECT_EQ(not_backup.exit_code, 2);
  EXPECT_NE(not_backup.output.find("is not a backup"), std::string::npos) << not_backup.output;
}

TEST_P(DbBackup, ARestoreStoppedByCtrlCAndRunAgainEndsWithEachDocumentOnce) {
  seed(5);  // 20,000 documents: enough to stop the restore inside a table
  json before = snapshot();
  ASSERT_EQ(run_rsm({"db", "backup", env_, "-o", file("all.tar.gz")}).exit_code, 0);
  db_ = {};
  ASSERT_EQ(run_rsm({"db", "rm", env_, "-f"}).exit_code, 0);
  create_database();

  // Stopped once it has started writing into a table (its record says so).
  auto marker = state_->path() / "rsm" / "restores" / (env_ + ".json");
  auto command = Subprocess::spawn({"setsid", RSM_BINARY, "db", "restore", env_, file("all.tar.gz")});
  ASSERT_TRUE(poll_for(5s, 5ms, [&] { return getpgid(command.pid()) == command.pid(); }));
  std::optional<int> ended;
  ASSERT_TRUE(poll_for(120s, 5ms, [&] { return fs::exists(marker) || (ended = command.try_wait()); }));
  ASSERT_FALSE(ended) << "the restore ended before it wrote";
  kill(-command.pid(), SIGINT);
  EXPECT_EQ(command.wait(), 128 + SIGINT);

  auto finished = run_rsm({"db", "restore", env_, file("all.tar.gz")});
  ASSERT_EQ(finished.exit_code, 0) << finished.output;
  EXPECT_NE(finished.output.find("carrying on"), std::string::npos) << finished.output;
  EXPECT_FALSE(fs::exists(marker));
  json after = snapshot();
  for (const auto& [name, table] : before.items()) EXPECT_EQ(after[name]["documents"], table["documents"]) << name;
}

// Writes go on during a backup: it completes, with every document that was there before
// it started once, and each one written meanwhile at most once.
TEST_P(DbBackup, ABackupWhileWritesGoOnHasEveryEarlierDocumentOnce) {
  seed(10);  // 10,000 documents
  std::atomic<bool> stop = false;
  std::atomic<int> written = 0;
  auto connection = reql::Connection::connect(db_.options);
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      connection->run(r.db("shop").table("orders").insert(document(1000000 + i)));
      json changed = document(7000 + i % 2000);  // a customer of the seed, changed
      changed["amount"] = -i;
      connection->run(r.db("shop").table("customers").insert(changed, {{"conflict", "replace"}}));
      ++written;
    }
  });
  auto backed_up = run_rsm({"db", "backup", env_, "-o", file("live.tar.gz")});
  int during = written;
  stop = true;
  writer.join();
  ASSERT_EQ(backed_up.exit_code, 0) << backed_up.output;
  EXPECT_GT(during, 0) << "no write went on during the backup";

  std::map<std::string, std::map<json, int>> seen;  // db.table -> id -> times in the archive
  db::backup::DumpReader archive(file("live.tar.gz"));
  archive.read_documents([](const db::backup::DumpTable&) { return true; }, 1000,
                         [&](const db::backup::DumpTable& table, std::vector<json>& documents) {
                           for (const auto& document : documents) ++seen[table.db + "." + table.name][document["id"]];
                         });
  int next = 0;
  for (const auto& [db, table, all] : kTables) {
    auto& ids = seen[db + "." + table];
    for (int id = next; id < next + all / 10; ++id) EXPECT_EQ(ids[id], 1) << db << "." << table << " " << id;
    next += all / 10;
    for (const auto& [id, times] : ids) EXPECT_LE(times, 1) << db << "." << table << " " << id.dump();
  }
}

// Backups on a schedule, inside the swarm: a run that fails shows in `rsm db status` until
// a good one follows; the newest archives are kept; one fetched here restores.
TEST_P(DbBackup, ScheduledBackupsKeepTheNewestArchivesAndAFailureShowsInStatus) {
  seed(50);  // 2,000 documents
  json before = snapshot();
  db_ = {};
  EXPECT_TRUE(scheduled_backups().is_null());

  // The database does not answer: the first run fails, and a long schedule keeps it the last.
  freeze_servers(true);
  auto scheduled = run_rsm({"db", "backup", env_, "--every", "3s", "--keep", "2"});
  ASSERT_EQ(scheduled.exit_code, 0) << scheduled.output;
  json listed;
  poll_until(
      90s, 500ms, [&] { return "no failed run: " + listed.dump(); },
      [&] {
        listed = scheduled_backups();
        return listed.is_object() && listed["last"].is_object() && !listed["last"]["ok"].get<bool>();
      });
  ASSERT_EQ(run_rsm({"db", "backup", env_, "--every", "1h", "--keep", "2"}).exit_code, 0);
  freeze_servers(false);
  auto shown = run_rsm({"db", "backups", env_});
  EXPECT_NE(shown.output.find("last run: FAILED"), std::string::npos) << shown.output;
  // The stand-in has no system tables for `rsm db status` to read.
  if (real_) {
    auto status = run_rsm({"db", "status", env_});
    EXPECT_EQ(status.exit_code, 1) << status.output;
    EXPECT_NE(status.output.find("the last scheduled backup failed"), std::string::npos) << status.output;
  }

  // Every 2 s, keeping 2: a third archive pushes the first out.
  ASSERT_EQ(run_rsm({"db", "backup", env_, "--every", "2s", "--keep", "2"}).exit_code, 0);
  std::string oldest;
  poll_until(
      120s, 500ms, [&] { return "the oldest archive stays: " + listed.dump(); },
      [&] {
        listed = scheduled_backups();
        const json& archives = listed["archives"];
        if (oldest.empty() && archives.size() == 2) oldest = archives[1]["name"];
        return !oldest.empty() && archives.size() == 2 && archives[0]["name"] != oldest &&
               archives[1]["name"] != oldest;
      });
  EXPECT_TRUE(listed["last"]["ok"].get<bool>()) << listed.dump();
  ASSERT_EQ(run_rsm({"db", "backup", env_, "--every", "1h", "--keep", "2"}).exit_code, 0);  // nothing pruned now
  if (real_) {
    auto status = run_rsm({"db", "status", env_});
    EXPECT_EQ(status.exit_code, 0) << status.output;
    EXPECT_NE(status.output.find("backups: every 1h"), std::string::npos) << status.output;
  }

  // Fetched here, the newest restores into a database made again.
  std::string newest = scheduled_backups()["archives"][0]["name"];
  auto fetched = run_rsm({"db", "backup", env_, "--fetch", newest, "-o", file("fetched.tar.gz")});
  ASSERT_EQ(fetched.exit_code, 0) << fetched.output;
  auto missing = run_rsm({"db", "backup", env_, "--fetch", "backup-19700101T000000Z.tar.gz"});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("rsm db backups"), std::string::npos) << missing.output;
  auto removed = run_rsm({"db", "rm", env_, "-f"});
  ASSERT_EQ(removed.exit_code, 0) << removed.output;
  EXPECT_NE(removed.output.find("scheduled backups stopped"), std::string::npos) << removed.output;
  EXPECT_TRUE(scheduled_backups().is_null());
  create_database();
  auto restored = run_rsm({"db", "restore", env_, file("fetched.tar.gz")});
  ASSERT_EQ(restored.exit_code, 0) << restored.output;
  json after = snapshot();
  for (const auto& [name, table] : before.items()) {
    EXPECT_EQ(after[name]["documents"], table["documents"]) << name;
    EXPECT_EQ(after[name]["indexes"], table["indexes"]) << name;
  }
}
