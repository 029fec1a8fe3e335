// libarchive writing a restricted pax archive into a string.
#include "util/tar_writer.h"

#include <archive.h>
#include <archive_entry.h>

#include <fmt/format.h>

#include "util/error.h"

namespace rsm {

namespace {

la_ssize_t append_to_string(struct archive*, void* target, const void* data, size_t size) {
  static_cast<std::string*>(target)->append(static_cast<const char*>(data), size);
  return static_cast<la_ssize_t>(size);
}

}  // namespace

TarWriter::TarWriter() : archive_(archive_write_new()) {
  archive_write_set_format_pax_restricted(archive_);
  archive_write_set_bytes_in_last_block(archive_, 1);
  if (archive_write_open(archive_, &bytes_, nullptr, append_to_string, nullptr) != ARCHIVE_OK)
    throw Error(fmt::format("cannot start a tar archive: {}", archive_error_string(archive_)));
}

TarWriter::~TarWriter() {
  if (archive_) archive_write_free(archive_);
}

void TarWriter::add_file(const std::string& path, const std::string& content, int mode, long long mtime) {
  archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, path.c_str());
  archive_entry_set_size(entry, static_cast<la_int64_t>(content.size()));
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_perm(entry, static_cast<mode_t>(mode));
  if (mtime) archive_entry_set_mtime(entry, static_cast<time_t>(mtime), 0);
  bool ok = archive_write_header(archive_, entry) == ARCHIVE_OK &&
            archive_write_data(archive_, content.data(), content.size()) == static_cast<la_ssize_t>(content.size());
  archive_entry_free(entry);
  if (!ok) throw Error(fmt::format("cannot add {} to a tar archive: {}", path, archive_error_string(archive_)));
}

std::string TarWriter::finish() {
  archive_write_close(archive_);
  archive_write_free(archive_);
  archive_ = nullptr;
  return std::move(bytes_);
}

}  // namespace rsm
