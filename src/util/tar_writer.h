// Small in-memory tar archives: the build contexts we send to POST /build.
#pragma once

#include <string>

struct archive;  // libarchive

namespace rsm {

class TarWriter {
 public:
  TarWriter();
  ~TarWriter();
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  // mtime: seconds since the epoch (0: none), kept so that a build of the files can be
  // incremental.
  void add_file(const std::string& path, const std::string& content, int mode = 0644, long long mtime = 0);
  // Closes the archive and hands over its bytes; the writer is spent afterwards.
  std::string finish();

 private:
  ::archive* archive_;
  std::string bytes_;
};

}  // namespace rsm
