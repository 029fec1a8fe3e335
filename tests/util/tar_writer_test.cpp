#include "util/tar_writer.h"
#include "util/error.h"
#include "util/tar_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

TEST(TarWriter, WritesFilesAnyTarReaderReadsBack) {
  rsm::TarWriter writer;
  writer.add_file("Dockerfile", "FROM scratch\n");
  writer.add_file("bin/app", std::string(70000, '\x7f'), 0755, 1764000000);
  std::string tar = writer.finish();

  archive* reader = archive_read_new();
  archive_read_support_format_tar(reader);
  ASSERT_EQ(archive_read_open_memory(reader, tar.data(), tar.size()), ARCHIVE_OK);
  std::map<std::string, std::pair<std::string, int>> files;
  std::map<std::string, time_t> mtimes;
  archive_entry* entry;
  while (archive_read_next_header(reader, &entry) == ARCHIVE_OK) {
    std::string content(static_cast<size_t>(archive_entry_size(entry)), '\0');
    archive_read_data(reader, content.data(), content.size());
    files[archive_entry_pathname(entry)] = {content, archive_entry_perm(entry)};
    mtimes[archive_entry_pathname(entry)] = archive_entry_mtime(entry);
  }
  archive_read_free(reader);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files["Dockerfile"].first, "FROM scratch\n");
  EXPECT_EQ(files["bin/app"].first.size(), 70000u);
  EXPECT_EQ(files["bin/app"].second, 0755);
  EXPECT_EQ(mtimes["bin/app"], 1764000000);
}

TEST(TarReader, ReadsBackWhatTheWriterWrote) {
  rsm::TarWriter writer;
  writer.add_file("app", std::string(100000, 'x'), 0755);
  writer.add_file("etc/conf", "");
  auto files = rsm::read_tar(writer.finish());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files["app"], std::string(100000, 'x'));
  EXPECT_EQ(files["etc/conf"], "");
  EXPECT_THROW(rsm::read_tar("not a tar archive at all, not at all"), rsm::Error);
}

TEST(TarReader, CopiesOneFileOutOfAnArchiveOnDisk) {
  rsm::TarWriter writer;
  writer.add_file("notes", "not this one\n");
  writer.add_file("backup.tar.gz", std::string(300000, 'z'));
  std::string folder = ::testing::TempDir();
  std::string tar = folder + "/rsm-extract-test.tar", out = folder + "/rsm-extract-test.out";
  std::ofstream(tar, std::ios::binary) << writer.finish();

  ASSERT_TRUE(rsm::extract_tar_file(tar, "backup.tar.gz", out));
  std::ifstream in(out, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, std::string(300000, 'z'));
  EXPECT_FALSE(rsm::extract_tar_file(tar, "missing", out + "2"));
  std::ofstream(tar, std::ios::binary) << "not a tar archive at all, but long enough to be looked at......";
  EXPECT_THROW(rsm::extract_tar_file(tar, "backup.tar.gz", out), rsm::Error);
  std::remove(tar.c_str());
  std::remove(out.c_str());
}
