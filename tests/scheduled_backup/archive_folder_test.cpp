// The archives folder of scheduled backups: names in time order, the newest N kept,
// unfinished archives never listed and cleared, the last run read back, and when the next
// run is due.
#include "scheduled_backup/archive_folder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/temp_folder.h"

using namespace rsm::scheduled_backup;
namespace fs = std::filesystem;

namespace {

class ArchiveFolder : public ::testing::Test {
 protected:
  void touch(const std::string& name, const std::string& content = "x") { folder_.write(name, content); }

  rsm::testing::TempFolder folder_{"rsm-archive-folder"};
};

TEST_F(ArchiveFolder, NamesSayTheUtcTimeAndSortInTimeOrder) {
  EXPECT_EQ(archive_name(0), "backup-19700101T000000Z.tar.gz");
  EXPECT_EQ(archive_name(1764671400), "backup-20251202T103000Z.tar.gz");
  EXPECT_LT(archive_name(1764671400), archive_name(1764671400 + 3600));
}

TEST_F(ArchiveFolder, ListsNewestFirstAndKeepsTheNewestN) {
  for (std::time_t t : {100, 300, 200}) touch(archive_name(t), "abc");
  touch(archive_name(400) + ".partial");  // a run that did not finish
  touch("last.json", "{}");
  touch("notes.txt");
  auto archives = list_archives(folder_.path().string());
  ASSERT_EQ(archives.size(), 3u);
  EXPECT_EQ(archives[0].name, archive_name(300));
  EXPECT_EQ(archives[2].name, archive_name(100));
  EXPECT_EQ(archives[0].bytes, 3u);

  auto removed = prune(folder_.path().string(), 2);
  EXPECT_EQ(removed, std::vector<std::string>{archive_name(100)});
  EXPECT_EQ(list_archives(folder_.path().string()).size(), 2u);
  EXPECT_FALSE(fs::exists(folder_ / (archive_name(400) + ".partial")));
  EXPECT_TRUE(fs::exists(folder_ / "notes.txt")) << "what is not an archive stays";
}

TEST_F(ArchiveFolder, TheLastRunReadsBackAndSaysWhenTheNextIsDue) {
  EXPECT_FALSE(read_last_run(folder_.path().string()));
  EXPECT_EQ(next_run(std::nullopt, std::chrono::hours(6), 1000), 1000) << "none yet: now";
  LastRun failed{.started = 1000, .ok = false, .error = "cannot connect to RethinkDB at db:28015"};
  write_last_run(folder_.path().string(), failed);
  auto read = read_last_run(folder_.path().string());
  ASSERT_TRUE(read);
  EXPECT_FALSE(read->ok);
  EXPECT_EQ(read->error, failed.error);
  EXPECT_EQ(next_run(read, std::chrono::seconds(60), 1010), 1060);
  EXPECT_EQ(next_run(read, std::chrono::seconds(60), 5000), 5000) << "overdue: now";
  EXPECT_EQ(next_run(read, std::chrono::seconds(60), 500), 500) << "the clock went back: now";

  touch("last.json", "not json");
  EXPECT_FALSE(read_last_run(folder_.path().string()));
  auto described = describe(folder_.path().string());
  EXPECT_TRUE(described["archives"].empty());
  EXPECT_TRUE(described["last"].is_null());
}

}  // namespace
