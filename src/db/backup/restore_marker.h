// A restore in progress, recorded in rsm's state folder (restores/ENV.json) with the
// archive it reads (its path, size and modification time) and the tables it has started
// writing. A restore of the same archive run again after an interruption takes those
// tables as its own (it would refuse them otherwise, for having documents) and, since
// inserts replace by primary key, ends with each document once.
#pragma once

#include <set>
#include <string>

namespace rsm::db::backup {

class RestoreMarker {
 public:
  RestoreMarker(std::string env, const std::string& file);

  // The tables an interrupted restore of this archive started; empty for another archive.
  std::set<std::string> resumed() const { return resumed_; }
  // Recorded before the table's first document is written.
  void started(const std::string& table);
  // The restore completed: the record goes.
  void finished();

 private:
  std::string relative_;  // below the state folder
  std::string identity_;  // the archive: path, size, modification time
  std::set<std::string> resumed_, started_;
};

}  // namespace rsm::db::backup
