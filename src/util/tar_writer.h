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

  void add_file(const std::string& path, const std::string& content, int mode = 0644);
  // Closes the archive and hands over its bytes; the writer is spent afterwards.
  std::string finish();

 private:
  ::archive* archive_;
  std::string bytes_;
};

}  // namespace rsm
