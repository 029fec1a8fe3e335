// Backups and restores through a real ReQL connection to the memory stand-in
// (support/memory_rethinkdb.h behind the replay server's socket and SCRAM): two databases
// and several tables of every JSON type and the pseudo-types, with secondary indexes and
// a write hook, backed up, dropped, restored equal; selections; a table with documents
// refused unless forced or resumed; a restore stopped half-way and run again ends with
// each document once; a server lost in the middle of a backup leaves no file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "db/backup/backup.h"
#include "db/backup/restore.h"
#include "reql/term.h"
#include "support/memory_rethinkdb.h"
#include "support/temp_folder.h"
#include "util/error.h"

// The replay server lives with the driver's tests.
#include "reql/replay_server.h"

using namespace rsm;
using namespace rsm::db::backup;
using namespace rsm::testing;
using nlohmann::json;
using reql::r;
namespace fs = std::filesystem;

namespace {

json document_of_every_kind(int i) {
  return {{"id", i},
          {"name", fmt::format("name {}", i % 100)},
          {"tags", {"a", i % 3 == 0 ? "b" : "c"}},
          {"null", nullptr},
          {"flag", i % 2 == 0},
          {"float", i / 8.0},
          {"text", "dökümän ✓"},
          {"nested", {{"deep", {{"deeper", json::array({i, "x"})}}}}},
          {"at", {{"$reql_type$", "TIME"}, {"epoch_time", 1764662400 + i}, {"timezone", "+05:30"}}},
          {"bytes", {{"$reql_type$", "BINARY"}, {"data", "AAECAw=="}}},
          {"place", {{"$reql_type$", "GEOMETRY"}, {"type", "Point"}, {"coordinates", {13.4, 52.5}}}}};
}

class BackupRestore : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.set_evaluator([this](const json& term, const json& optargs) { return evaluate(term, optargs); });
    connection_ = reql::Connection::connect({.host = "127.0.0.1",
                                             .port = server_.port(),
                                             .user = "admin",
                                             .password = "",
                                             .connect_timeout = std::chrono::milliseconds(3000),
                                             .read_timeout = std::chrono::milliseconds(10000)});
  }

  virtual std::vector<std::string> evaluate(const json& term, const json& optargs) {
    return memory_.answer(term, optargs);
  }

  // shop.orders (many documents, two indexes, a write hook), shop.empty, people.users (primary key "name").
  void seed(int orders) {
    connection_->run(r.db_create("shop"));
    connection_->run(r.db_create("people"));
    connection_->run(r.db("shop").table_create("orders"));
    connection_->run(r.db("shop").table_create("empty"));
    connection_->run(r.db("people").table_create("users", {{"primary_key", "name"}}));
    json batch = json::array();
    for (int i = 0; i < orders; ++i) {
      batch.push_back(document_of_every_kind(i));
      if (batch.size() == 1000 || i + 1 == orders) {
        connection_->run(r.db("shop").table("orders").insert(batch));
        batch = json::array();
      }
    }
    connection_->run(r.db("people").table("users").insert(json::array({{{"name", "ada"}}, {{"name", "grace"}}})));
    auto orders_table = r.db("shop").table("orders");
    connection_->run(orders_table.index_create("by_name", [](reql::Term d) { return d["name"]; }));
    connection_->run(orders_table.index_create("by_tag", [](reql::Term d) { return d["tags"]; }, {{"multi", true}}));
    connection_->run(
        reql::Term::make(reql::TermType::SET_WRITE_HOOK,
                         {orders_table, reql::Term([](reql::Term, reql::Term, reql::Term n) { return n; })}));
  }
  json statuses(const std::string& db, const std::string& table) {
    return connection_->run(r.db(db).table(table).index_status(), {{"binary_format", "raw"}}).value();
  }
  json hook(const std::string& db, const std::string& table) {
    return connection_
        ->run(reql::Term::make(reql::TermType::GET_WRITE_HOOK, {r.db(db).table(table)}), {{"binary_format", "raw"}})
        .value();
  }
  std::string path(const std::string& name) const { return (folder_ / name).string(); }

  MemoryRethinkdb memory_{100};  // small batches: a stream spans many CONTINUEs
  ReplayServer server_{
      json{{"messages",
            {{{"dir", "s2c"},
              {"text",
               R"({"max_protocol_version":0,"min_protocol_version":0,"server_version":"memory","success":true})"}}}}}};
  std::shared_ptr<reql::Connection> connection_;
  rsm::testing::TempFolder folder_{"rsm-backup-test"};
  Progress progress_{true};
};

}  // namespace

TEST_F(BackupRestore, EverythingComesBackEqualAfterTheDatabasesAreGone) {
  seed(5000);
  auto orders = memory_.documents("shop", "orders");
  json indexes = statuses("shop", "orders");
  json write_hook = hook("shop", "orders");
  ASSERT_FALSE(write_hook.is_null());

  auto backed_up = back_up(*connection_, path("all.tar.gz"), {}, progress_);
  EXPECT_EQ(backed_up.tables, (std::vector<std::string>{"people.users", "shop.empty", "shop.orders"}));
  EXPECT_EQ(backed_up.documents, 5002u);
  EXPECT_EQ(backed_up.indexes, 2u);
  EXPECT_EQ(backed_up.write_hooks, 1u);

  connection_->run(r.db_drop("shop"));
  connection_->run(r.db_drop("people"));
  auto restored = restore(*connection_, DumpReader(path("all.tar.gz")), {.batch_size = 300}, progress_);
  EXPECT_EQ(restored.documents, 5002u);
  EXPECT_EQ(restored.indexes, 2u);
  EXPECT_EQ(restored.write_hooks, 1u);
  EXPECT_EQ(memory_.documents("shop", "orders"), orders);
  EXPECT_TRUE(memory_.documents("shop", "empty").empty());
  EXPECT_EQ(memory_.documents("people", "users").size(), 2u);
  EXPECT_EQ(statuses("shop", "orders"), indexes) << "the indexes are made from their stored functions";
  EXPECT_EQ(hook("shop", "orders")["function"], write_hook["function"]);
  EXPECT_EQ(connection_->run(r.db("people").table("users").info()).value()["primary_key"], "name");
}

TEST_F(BackupRestore, UserAccountsAndTheirPermissionsComeBackWithoutPasswords) {
  seed(10);
  auto users = r.db("rethinkdb").table("users");
  connection_->run(users.insert(json{{"id", "shop_app"}, {"password", "secret"}}));
  connection_->run(users.insert(json{{"id", "analyst"}, {"password", "other"}}));
  connection_->run(r.db("shop").table("orders").grant("shop_app", json{{"read", true}, {"write", true}}));
  connection_->run(r.db("people").grant("analyst", json{{"read", true}}));
  connection_->run(r.grant("analyst", json{{"connect", false}}));
  auto permissions = memory_.documents("rethinkdb", "permissions");

  auto backed_up = back_up(*connection_, path("all.tar.gz"), {}, progress_);
  EXPECT_EQ(backed_up.users, 2u);
  DumpReader archive(path("all.tar.gz"));
  EXPECT_EQ(archive.users()["users"], json::array({"analyst", "shop_app"}));
  EXPECT_EQ(archive.users().dump().find("secret"), std::string::npos) << "no password is in a backup";
  auto part = back_up(*connection_, path("part.tar.gz"), TableSelection({"shop"}), progress_);
  EXPECT_EQ(part.users, 0u) << "accounts belong to a whole backup";

  // A cluster without them (the stand-in's admin goes too: the archive never has admin).
  connection_->run(users.delete_());
  connection_->run(r.db("rethinkdb").table("permissions").delete_());
  connection_->run(r.db_drop("shop"));
  connection_->run(r.db_drop("people"));
  auto restored = restore(*connection_, archive, {}, progress_);
  EXPECT_EQ(restored.users, 2u);
  auto accounts = memory_.documents("rethinkdb", "users");
  ASSERT_EQ(accounts.size(), 2u);
  EXPECT_EQ(accounts[0], (json{{"id", "analyst"}, {"password", false}}));
  std::erase_if(permissions, [](const json& row) { return row["user"] == "admin"; });
  EXPECT_EQ(memory_.documents("rethinkdb", "permissions"), permissions);
}

TEST_F(BackupRestore, SelectionsTakeWhatTheyName) {
  seed(10);
  auto backed_up = back_up(*connection_, path("users.tar.gz"), TableSelection({"people.users"}), progress_);
  EXPECT_EQ(backed_up.tables, std::vector<std::string>{"people.users"});
  auto all = back_up(*connection_, path("all.tar.gz"), TableSelection({"shop", "people"}), progress_);
  EXPECT_EQ(all.tables.size(), 3u);

  connection_->run(r.db_drop("shop"));
  auto restored =
      restore(*connection_, DumpReader(path("all.tar.gz")), {.selection = TableSelection({"shop.orders"})}, progress_);
  EXPECT_EQ(restored.tables, std::vector<std::string>{"shop.orders"});
  EXPECT_EQ(memory_.documents("shop", "orders").size(), 10u);

  EXPECT_THROW(back_up(*connection_, path("none.tar.gz"), TableSelection({"nowhere"}), progress_), UsageError);
  EXPECT_FALSE(fs::exists(path("none.tar.gz")));
  EXPECT_THROW(
      restore(*connection_, DumpReader(path("users.tar.gz")), {.selection = TableSelection({"shop"})}, progress_),
      UsageError);
  EXPECT_THROW(TableSelection({"a.b.c"}), UsageError);
  EXPECT_THROW(TableSelection({"rethinkdb"}), UsageError);
}

TEST_F(BackupRestore, ATableWithDocumentsIsWrittenIntoOnlyWhenForcedOrResumed) {
  seed(10);
  back_up(*connection_, path("all.tar.gz"), {}, progress_);
  try {
    restore(*connection_, DumpReader(path("all.tar.gz")), {}, progress_);
    FAIL() << "restored into tables with documents";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("already has 2 documents"), std::string::npos) << e.what();
  }
  auto forced = restore(*connection_, DumpReader(path("all.tar.gz")), {.force = true}, progress_);
  EXPECT_EQ(forced.documents, 12u);
  EXPECT_EQ(memory_.documents("shop", "orders").size(), 10u) << "each document once";
}

TEST_F(BackupRestore, ARestoreStoppedHalfWayAndRunAgainEndsWithEachDocumentOnce) {
  seed(3000);
  auto orders = memory_.documents("shop", "orders");
  back_up(*connection_, path("all.tar.gz"), {}, progress_);
  connection_->run(r.db_drop("shop"));
  connection_->run(r.db_drop("people"));

  // Stopped in the second table (the archive's order: people.users, shop.empty, shop.orders).
  std::set<std::string> started;
  size_t written = 0;
  EXPECT_THROW(restore(*connection_, DumpReader(path("all.tar.gz")),
                       {.batch_size = 500,
                        .starting_table =
                            [&](const std::string& name) {
                              started.insert(name);
                              if (++written == 2) throw Error("interrupted");
                            }},
                       progress_),
               Error);
  EXPECT_EQ(started.size(), 2u);
  auto again = restore(*connection_, DumpReader(path("all.tar.gz")), {.resumed = started}, progress_);
  EXPECT_EQ(memory_.documents("shop", "orders"), orders);
  EXPECT_EQ(memory_.documents("people", "users").size(), 2u);
  EXPECT_EQ(again.indexes, 2u);
}

namespace {

// The second table's read fails as a read does when its primary replica's server is lost.
class LostServer : public BackupRestore {
 protected:
  std::vector<std::string> evaluate(const json& term, const json& optargs) override {
    if (term.is_array() && term[0] == static_cast<int>(reql::TermType::ORDER_BY) && ++reads_ == 2)
      return {
          R"({"t":18,"e":4100000,"r":["Cannot perform read: primary replica for shard [\"\", +inf) not available"],"b":[]})"};
    return BackupRestore::evaluate(term, optargs);
  }
  int reads_ = 0;
};

}  // namespace

TEST_F(LostServer, ABackupThatLosesItsServerLeavesNoFile) {
  seed(100);
  std::ofstream(path("all.tar.gz")) << "yesterday's backup";
  try {
    back_up(*connection_, path("all.tar.gz"), {}, progress_);
    FAIL() << "the backup went on without its server";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("lost the database while backing up"), std::string::npos) << e.what();
  }
  std::ifstream kept(path("all.tar.gz"));
  std::string content((std::istreambuf_iterator<char>(kept)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "yesterday's backup");
  EXPECT_FALSE(fs::exists(path("all.tar.gz.partial")));
}
