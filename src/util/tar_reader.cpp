// libarchive reading from memory or a file, regular files only.
#include "util/tar_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <memory>

#include <fmt/format.h>

#include "util/error.h"

namespace rsm {

std::map<std::string, std::string> read_tar(const std::string& bytes) {
  std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(), archive_read_free);
  archive_read_support_format_tar(reader.get());
  if (archive_read_open_memory(reader.get(), bytes.data(), bytes.size()) != ARCHIVE_OK)
    throw Error(fmt::format("cannot read a tar archive: {}", archive_error_string(reader.get())));
  std::map<std::string, std::string> files;
  archive_entry* entry = nullptr;
  int status;
  while ((status = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK) {
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    std::string content(static_cast<size_t>(archive_entry_size(entry)), '\0');
    if (archive_read_data(reader.get(), content.data(), content.size()) != static_cast<la_ssize_t>(content.size()))
      throw Error(fmt::format("cannot read {} from a tar archive: {}", archive_entry_pathname(entry),
                              archive_error_string(reader.get())));
    files[archive_entry_pathname(entry)] = std::move(content);
  }
  if (status != ARCHIVE_EOF)
    throw Error(fmt::format("cannot read a tar archive: {}", archive_error_string(reader.get())));
  return files;
}

bool extract_tar_file(const std::string& tar_file, const std::string& name, const std::string& destination) {
  std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(), archive_read_free);
  archive_read_support_format_tar(reader.get());
  if (archive_read_open_filename(reader.get(), tar_file.c_str(), 64 * 1024) != ARCHIVE_OK)
    throw Error(fmt::format("cannot read the tar archive {}: {}", tar_file, archive_error_string(reader.get())));
  archive_entry* entry = nullptr;
  int status;
  while ((status = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK) {
    if (archive_entry_filetype(entry) != AE_IFREG || name != archive_entry_pathname(entry)) continue;
    int fd = ::open(destination.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw Error(fmt::format("cannot write {}: check the disk and its permissions", destination));
    int copied = archive_read_data_into_fd(reader.get(), fd);
    bool closed = ::close(fd) == 0;
    if (copied != ARCHIVE_OK || !closed)
      throw Error(fmt::format("cannot copy {} to {}: {}", name, destination,
                              archive_error_string(reader.get()) ? archive_error_string(reader.get()) : "disk full?"));
    return true;
  }
  if (status != ARCHIVE_EOF)
    throw Error(fmt::format("cannot read the tar archive {}: {}", tar_file, archive_error_string(reader.get())));
  return false;
}

}  // namespace rsm
