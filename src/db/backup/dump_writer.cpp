// Writing a dump with libarchive (gzip, tar in the pax format Python's tarfile also
// writes), a spool file per table on the way in: see dump_archive.h. Apart from the
// reader, so that a program that only writes (rsm-backup) links no more of libarchive.
#include "db/backup/dump_archive.h"

#include <archive.h>
#include <archive_entry.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>

#include <fmt/format.h>

#include "util/error.h"

namespace rsm::db::backup {

namespace fs = std::filesystem;

namespace {

constexpr size_t kChunk = 64 * 1024;

}  // namespace

std::string dump_folder_name() {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &local);
  return std::string("rethinkdb_dump_") + text.data();
}

struct DumpWriter::Archive {
  archive* handle = archive_write_new();
  ~Archive() { archive_write_free(handle); }
};

DumpWriter::DumpWriter(std::string file, std::string top_folder)
    : archive_(std::make_unique<Archive>()),
      file_(std::move(file)),
      partial_(file_ + ".partial"),
      top_folder_(std::move(top_folder)) {
  archive_write_add_filter_gzip(archive_->handle);
  archive_write_set_format_pax_restricted(archive_->handle);
  if (archive_write_open_filename(archive_->handle, partial_.c_str()) != ARCHIVE_OK)
    throw Error(fmt::format("cannot write {}: {}", partial_, archive_error_string(archive_->handle)));
}

DumpWriter::~DumpWriter() {
  if (spool_) std::fclose(spool_);
  if (!spool_file_.empty()) fs::remove(spool_file_);
  if (archive_) {
    archive_.reset();
    std::error_code ec;
    fs::remove(partial_, ec);
  }
}

namespace {

void write_entry(archive* handle, const std::string& path, int64_t size,
                 const std::function<void(const std::function<void(const char*, size_t)>&)>& body) {
  std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(), archive_entry_free);
  archive_entry_set_pathname(entry.get(), path.c_str());
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0644);
  archive_entry_set_size(entry.get(), size);
  archive_entry_set_mtime(entry.get(), std::time(nullptr), 0);
  if (archive_write_header(handle, entry.get()) != ARCHIVE_OK)
    throw Error(fmt::format("cannot write {} into the backup: {}", path, archive_error_string(handle)));
  body([&](const char* data, size_t length) {
    if (archive_write_data(handle, data, length) != static_cast<la_ssize_t>(length))
      throw Error(fmt::format("cannot write {} into the backup: {}", path, archive_error_string(handle)));
  });
}

}  // namespace

void DumpWriter::begin_table(const std::string& db, const std::string& table, const json& info) {
  db_ = db;
  table_ = table;
  std::string text = info.dump() + "\n";
  write_entry(archive_->handle, fmt::format("{}/{}/{}.info", top_folder_, db, table), static_cast<int64_t>(text.size()),
              [&](const auto& write) { write(text.data(), text.size()); });
  spool_file_ = partial_ + ".table";
  spool_ = std::fopen(spool_file_.c_str(), "w+");
  if (!spool_) throw Error(fmt::format("cannot write {}: check the disk and its permissions", spool_file_));
  std::fputc('[', spool_);
  first_document_ = true;
}

void DumpWriter::add_document(const json& document) {
  std::string text = (first_document_ ? "\n" : ",\n") + document.dump();
  first_document_ = false;
  if (std::fwrite(text.data(), 1, text.size(), spool_) != text.size())
    throw Error(fmt::format("cannot write {}: the disk may be full", spool_file_));
  ++documents_;
  bytes_ += text.size();
}

void DumpWriter::end_table() {
  std::fputs("\n]\n", spool_);
  if (std::fflush(spool_) != 0) throw Error(fmt::format("cannot write {}: the disk may be full", spool_file_));
  int64_t size = std::ftell(spool_);
  std::rewind(spool_);
  write_entry(archive_->handle, fmt::format("{}/{}/{}.json", top_folder_, db_, table_), size, [&](const auto& write) {
    std::array<char, kChunk> buffer{};
    size_t read;
    while ((read = std::fread(buffer.data(), 1, buffer.size(), spool_)) > 0) write(buffer.data(), read);
  });
  std::fclose(spool_);
  spool_ = nullptr;
  fs::remove(spool_file_);
  spool_file_.clear();
}

void DumpWriter::add_users(const json& users) {
  std::string text = users.dump() + "\n";
  write_entry(archive_->handle, top_folder_ + "/.rsm/users.json", static_cast<int64_t>(text.size()),
              [&](const auto& write) { write(text.data(), text.size()); });
}

void DumpWriter::finish() {
  if (archive_write_close(archive_->handle) != ARCHIVE_OK)
    throw Error(fmt::format("cannot complete {}: {}", partial_, archive_error_string(archive_->handle)));
  archive_.reset();
  fs::rename(partial_, file_);
}

}  // namespace rsm::db::backup
