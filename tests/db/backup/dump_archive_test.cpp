// The archive format of `rethinkdb dump`: what rsm writes reads back document for
// document (every JSON type and the pseudo-types, raw), lists as the official layout, and
// an archive made the official tool's way (written here from its documented format with
// tar) reads; what is not a good backup is refused with one line, and an unfinished
// archive never takes the place of a file.
#include "db/backup/dump_archive.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "support/temp_folder.h"
#include "util/error.h"
#include "util/subprocess.h"

using namespace rsm;
using namespace rsm::db::backup;
namespace fs = std::filesystem;

namespace {

class DumpArchive : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return (folder_ / name).string(); }
  static std::string error_of(const std::function<void()>& step) {
    try {
      step();
    } catch (const UsageError& e) {
      return e.what();
    }
    return "";
  }

  rsm::testing::TempFolder folder_{"rsm-dump-test"};
};

json every_kind_of_document(int i) {
  return {{"id", i},
          {"null", nullptr},
          {"flag", i % 2 == 0},
          {"negative", -i},
          {"big", 9007199254740993ULL},
          {"float", i + 0.25},
          {"text", fmt::format("dökümän ✓ \"{}\"\n", i)},
          {"list", {1, "two", json::array({3.5}), json::object()}},
          {"nested", {{"a", {{"b", {{"c", i}}}}}}},
          {"time", {{"$reql_type$", "TIME"}, {"epoch_time", 1764662400.123}, {"timezone", "+05:30"}}},
          {"binary", {{"$reql_type$", "BINARY"}, {"data", "AAECAw=="}}},
          {"point", {{"$reql_type$", "GEOMETRY"}, {"type", "Point"}, {"coordinates", {-122.423246, 37.779388}}}}};
}

json table_info(const std::string& db, const std::string& table, const std::string& primary_key) {
  return {{"db", {{"id", "7f0b1f2a-0000-4000-8000-000000000001"}, {"name", db}, {"type", "DB"}}},
          {"id", "7f0b1f2a-0000-4000-8000-000000000002"},
          {"name", table},
          {"primary_key", primary_key},
          {"type", "TABLE"},
          {"indexes",
           {{{"index", "by_text"},
             {"function", {{"$reql_type$", "BINARY"}, {"data", "JHJlcWxfaW5kZXhfZnVuY3Rpb24k"}}},
             {"geo", false},
             {"multi", false},
             {"outdated", false},
             {"ready", true}}}},
          {"write_hook", nullptr}};
}

}  // namespace

TEST_F(DumpArchive, WhatIsWrittenReadsBackDocumentForDocumentInBatches) {
  std::string file = path("backup.tar.gz");
  {
    DumpWriter writer(file, "rethinkdb_dump_2026-12-02T08:00:00");
    writer.begin_table("shop", "orders", table_info("shop", "orders", "id"));
    for (int i = 0; i < 2500; ++i) writer.add_document(every_kind_of_document(i));
    writer.end_table();
    writer.begin_table("shop", "empty", table_info("shop", "empty", "id"));
    writer.end_table();
    writer.begin_table("people", "users", table_info("people", "users", "name"));
    writer.add_document({{"name", "ada"}});
    writer.end_table();
    EXPECT_EQ(writer.documents(), 2501u);
    writer.finish();
  }
  EXPECT_FALSE(fs::exists(file + ".partial"));

  DumpReader reader(file);
  ASSERT_EQ(reader.tables().size(), 3u);
  EXPECT_EQ(reader.tables()[0].db, "shop");
  EXPECT_EQ(reader.tables()[0].name, "orders");
  EXPECT_EQ(reader.tables()[0].info, table_info("shop", "orders", "id"));
  EXPECT_EQ(reader.tables()[2].primary_key(), "name");

  std::map<std::string, std::vector<json>> read;
  size_t largest_batch = 0;
  reader.read_documents([](const DumpTable&) { return true; }, 1000,
                        [&](const DumpTable& table, auto& batch) {
                          largest_batch = std::max(largest_batch, batch.size());
                          for (auto& document : batch) read[table.db + "." + table.name].push_back(std::move(document));
                        });
  EXPECT_EQ(largest_batch, 1000u);
  ASSERT_EQ(read["shop.orders"].size(), 2500u);
  for (int i = 0; i < 2500; ++i) ASSERT_EQ(read["shop.orders"][i], every_kind_of_document(i)) << i;
  EXPECT_FALSE(read.contains("shop.empty"));
  ASSERT_EQ(read["people.users"].size(), 1u);
  EXPECT_EQ(read["people.users"][0], json({{"name", "ada"}}));

  // A selection reads only what it names.
  size_t selected = 0;
  reader.read_documents([](const DumpTable& t) { return t.db == "people"; }, 10,
                        [&](const DumpTable&, auto& batch) { selected += batch.size(); });
  EXPECT_EQ(selected, 1u);
}

TEST_F(DumpArchive, WhatRsmWritesIsTheOfficialLayout) {
  std::string file = path("backup.tar.gz");
  DumpWriter writer(file, "rethinkdb_dump_2026-12-02T08:00:00");
  writer.begin_table("shop", "orders", table_info("shop", "orders", "id"));
  writer.add_document({{"id", 1}});
  writer.add_document({{"id", 2}});
  writer.end_table();
  writer.finish();

  auto listed = run_process({"tar", "tzf", file});
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_EQ(listed.output,
            "rethinkdb_dump_2026-12-02T08:00:00/shop/orders.info\n"
            "rethinkdb_dump_2026-12-02T08:00:00/shop/orders.json\n");
  auto documents = run_process({"tar", "xzOf", file, "rethinkdb_dump_2026-12-02T08:00:00/shop/orders.json"});
  EXPECT_EQ(documents.output, "[\n{\"id\":1},\n{\"id\":2}\n]\n");
  auto info = run_process({"tar", "xzOf", file, "rethinkdb_dump_2026-12-02T08:00:00/shop/orders.info"});
  EXPECT_EQ(json::parse(info.output), table_info("shop", "orders", "id"));
}

TEST_F(DumpArchive, ReadsAnArchiveMadeTheOfficialToolsWay) {
  // As rethinkdb-python's dump writes it: json.dumps with its default separators, ",\n"
  // between documents, the info with index_status() and get_write_hook() in it.
  fs::path top = folder_ / "rethinkdb_dump_2026-12-01T10:11:12" / "blog";
  fs::create_directories(top);
  std::ofstream(top / "posts.json") << "[\n{\"id\": \"p1\", \"title\": \"Hello\", \"tags\": [\"a\", \"b\"]},\n"
                                       "{\"id\": \"p2\", \"at\": {\"$reql_type$\": \"TIME\", \"epoch_time\": "
                                       "1764583872.5, \"timezone\": \"-07:00\"}}\n]\n";
  std::ofstream(top / "posts.info")
      << "{\"db\": {\"id\": \"d\", \"name\": \"blog\", \"type\": \"DB\"}, \"doc_count_estimates\": [2], \"id\": \"t\", "
         "\"indexes\": [{\"function\": {\"$reql_type$\": \"BINARY\", \"data\": \"AAEC\"}, \"geo\": false, \"index\": "
         "\"title\", \"multi\": false, \"outdated\": false, \"query\": \"indexCreate('title', ...)\", \"ready\": "
         "true}], \"name\": \"posts\", \"primary_key\": \"id\", \"type\": \"TABLE\", \"write_hook\": {\"function\": "
         "{\"$reql_type$\": \"BINARY\", \"data\": \"AAEC\"}, \"query\": \"setWriteHook(...)\"}}\n";
  auto made = run_process(
      {"tar", "czf", path("official.tar.gz"), "-C", folder_.path().string(), "rethinkdb_dump_2026-12-01T10:11:12"});
  ASSERT_EQ(made.exit_code, 0) << made.output;

  DumpReader reader(path("official.tar.gz"));
  ASSERT_EQ(reader.tables().size(), 1u);
  EXPECT_EQ(reader.tables()[0].db, "blog");
  EXPECT_EQ(reader.tables()[0].info["indexes"][0]["index"], "title");
  EXPECT_EQ(reader.tables()[0].info["write_hook"]["function"]["data"], "AAEC");
  std::vector<json> documents;
  reader.read_documents(
      [](const DumpTable&) { return true; }, 100,
      [&](const DumpTable&, auto& batch) { documents.insert(documents.end(), batch.begin(), batch.end()); });
  ASSERT_EQ(documents.size(), 2u);
  EXPECT_EQ(documents[0]["tags"], json({"a", "b"}));
  EXPECT_EQ(documents[1]["at"]["timezone"], "-07:00");
}

TEST_F(DumpArchive, WhatIsNotAGoodBackupIsOneLine) {
  EXPECT_NE(error_of([&] { DumpReader reader(path("missing.tar.gz")); }).find("no such file"), std::string::npos);

  std::ofstream(path("notes.txt")) << "not an archive\n";
  EXPECT_NE(error_of([&] { DumpReader reader(path("notes.txt")); }).find("is not a backup"), std::string::npos);

  fs::create_directories(folder_ / "other");
  std::ofstream(folder_ / "other" / "readme.md") << "hello\n";
  run_process({"tar", "czf", path("other.tar.gz"), "-C", folder_.path().string(), "other"});
  EXPECT_NE(error_of([&] { DumpReader reader(path("other.tar.gz")); }).find("holds no tables"), std::string::npos);

  // A table without its .info.
  fs::create_directories(folder_ / "dump" / "shop");
  std::ofstream(folder_ / "dump" / "shop" / "orders.json") << "[\n{\"id\": 1}\n]\n";
  run_process({"tar", "czf", path("no-info.tar.gz"), "-C", folder_.path().string(), "dump"});
  EXPECT_NE(error_of([&] { DumpReader reader(path("no-info.tar.gz")); }).find("shop.orders has no .info"),
            std::string::npos);

  // Truncated half-way: refused when opened, before anything is restored.
  std::string file = path("backup.tar.gz");
  {
    DumpWriter writer(file, "rethinkdb_dump_x");
    writer.begin_table("shop", "orders", table_info("shop", "orders", "id"));
    for (int i = 0; i < 20000; ++i) writer.add_document(every_kind_of_document(i));
    writer.end_table();
    writer.finish();
  }
  fs::resize_file(file, fs::file_size(file) / 2);
  std::string truncated = error_of([&] { DumpReader reader(file); });
  EXPECT_NE(truncated.find("truncated or damaged"), std::string::npos) << truncated;
  EXPECT_EQ(truncated.find('\n'), std::string::npos) << "one line";

  // A .json that is not an array of documents.
  std::ofstream(folder_ / "dump" / "shop" / "orders.info") << "{\"primary_key\": \"id\"}\n";
  std::ofstream(folder_ / "dump" / "shop" / "orders.json") << "{\"id\": 1}\n";
  run_process({"tar", "czf", path("object.tar.gz"), "-C", folder_.path().string(), "dump"});
  DumpReader object(path("object.tar.gz"));
  EXPECT_NE(error_of([&] {
              object.read_documents([](const DumpTable&) { return true; }, 10, [](auto&, auto&) {});
            }).find("is not a JSON array"),
            std::string::npos);
}

TEST_F(DumpArchive, AnUnfinishedArchiveNeverTakesAFilesPlace) {
  std::string file = path("backup.tar.gz");
  std::ofstream(file) << "the good backup of yesterday";
  {
    DumpWriter writer(file, "rethinkdb_dump_x");
    writer.begin_table("shop", "orders", table_info("shop", "orders", "id"));
    writer.add_document({{"id", 1}});
    // Interrupted here (an error, a lost server): destroyed without finish().
  }
  std::ifstream kept(file);
  std::string content((std::istreambuf_iterator<char>(kept)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "the good backup of yesterday");
  for (const auto& entry : fs::directory_iterator(folder_.path()))
    EXPECT_EQ(entry.path().filename(), "backup.tar.gz") << "left behind: " << entry.path();
}
