// `rsm db restore`: an archive in rethinkdb dump's format (made by rsm or by rethinkdb
// dump) written back through one ReQL connection. Per table: its database and the table
// (with its primary key) made where missing; its documents inserted in batches, several
// in flight, as they are read from the archive (memory stays flat); then its secondary
// indexes made from their stored functions and waited for, its write hook set, and the
// wanted replica count applied; then, for a whole restore, the user accounts the archive
// names made where missing (without a password: the admin sets one) and their
// permissions granted again. A table that already has documents is refused unless
// forced or resumed (an earlier restore of the same archive stopped in it); inserts
// replace documents with the same primary key, so a restore run again ends with the
// same data, each document once.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "db/backup/dump_archive.h"
#include "db/backup/selection.h"
#include "reql/connection.h"
#include "util/progress.h"

namespace rsm::db::backup {

struct RestoreOptions {
  TableSelection selection;
  bool force = false;             // write into tables that have documents
  std::set<std::string> resumed;  // "db.table" an interrupted restore of this archive started
  int replicas = 0;               // per table once restored; 0: as the table is made
  size_t batch_size = 1000;       // documents per insert
  size_t in_flight = 4;           // inserts waiting for their answer at once
  // Called with "db.table" before its first document is written (to record it for resuming).
  std::function<void(const std::string&)> starting_table;
};

struct RestoreResult {
  std::vector<std::string> tables;
  uint64_t documents = 0, indexes = 0, write_hooks = 0, users = 0;
  double seconds = 0;
};

RestoreResult restore(reql::Connection& connection, const DumpReader& archive, const RestoreOptions& options,
                      Progress& progress);

}  // namespace rsm::db::backup
