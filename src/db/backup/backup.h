// `rsm db backup`: every user table (or the selected ones) read through one ReQL
// connection into one archive in rethinkdb dump's format (dump_archive.h). Each table is
// read in one pass in primary key order (order_by with its primary index), streamed
// straight to the archive: each document is as it was at one moment of the pass; a
// document changed during the pass is in the backup either before or after the change,
// and the tables are not a snapshot of one instant. Secondary indexes (their functions)
// and write hooks are read with the documents, raw. A backup of everything also holds
// the user accounts (without passwords) and their permissions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "db/backup/selection.h"
#include "reql/connection.h"
#include "util/progress.h"

namespace rsm::db::backup {

struct BackupResult {
  std::string file;
  std::vector<std::string> tables;  // "db.table"
  uint64_t documents = 0, bytes = 0, indexes = 0, write_hooks = 0, users = 0;
  double seconds = 0;
};

// Writes `file` (renamed into place when complete; nothing left behind on failure).
// UsageError when the selection names what does not exist; Error when the connection is
// lost on the way.
BackupResult back_up(reql::Connection& connection, const std::string& file, const TableSelection& selection,
                     Progress& progress);

// The user tables, "db.table", in name order.
std::vector<std::string> user_tables(reql::Connection& connection);

}  // namespace rsm::db::backup
