// The archive format of RethinkDB's own `rethinkdb dump` (rethinkdb-python), which rsm's
// backups write and its restores read, so that an archive made by either tool restores
// with the other: a gzipped tar with one top folder (rethinkdb_dump_DATE), in it a folder
// per database, and per table TABLE.info (one JSON object: the table's info(), with
// "indexes" from index_status() and "write_hook" from get_write_hook(), binaries raw) and
// TABLE.json (one JSON array of the documents, pseudo-types raw). rsm adds
// .rsm/users.json beside the database folders: the user accounts (names only: the server
// never shows a password) and their permissions; rethinkdb restore skips it (a folder
// that is not a database, and a file without .info) with a warning.
//
// Tables stream through both ends: a writer spools each table's documents to a file
// beside the archive (tar wants an entry's size before its bytes) and the reader parses
// each TABLE.json element by element, so memory stays flat whatever a table's size. The
// archive is written under FILE.partial and renamed into place only once complete: an
// interrupted backup never leaves a broken file where a good one was.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rsm::db::backup {

using nlohmann::json;

// One table of an archive.
struct DumpTable {
  std::string db, name;
  json info;  // the .info object as written

  std::string primary_key() const;  // info's "primary_key", "id" when it has none
};

class DumpWriter {
 public:
  // top_folder: the archive's one top folder ("rethinkdb_dump_2026-12-02T08:00:00").
  DumpWriter(std::string file, std::string top_folder);
  ~DumpWriter();  // removes the unfinished archive
  DumpWriter(const DumpWriter&) = delete;
  DumpWriter& operator=(const DumpWriter&) = delete;

  void begin_table(const std::string& db, const std::string& table, const json& info);
  void add_document(const json& document);
  void end_table();
  // {"users": [NAME...], "permissions": [{user, database?, table?, permissions}...]}
  void add_users(const json& users);
  // Completes the archive and renames it into place.
  void finish();

  uint64_t documents() const { return documents_; }
  uint64_t bytes() const { return bytes_; }  // of documents' JSON so far

 private:
  struct Archive;
  std::unique_ptr<Archive> archive_;
  std::string file_, partial_, top_folder_;
  std::string db_, table_;
  std::FILE* spool_ = nullptr;
  std::string spool_file_;
  bool first_document_ = true;
  uint64_t documents_ = 0, bytes_ = 0;
};

class DumpReader {
 public:
  // Reads the archive's table list and .info files (one pass over it). UsageError for a
  // file that is not a dump (naming what it holds instead), a truncated or damaged one,
  // and a table whose .info is missing.
  explicit DumpReader(std::string file);

  const std::string& file() const { return file_; }
  const std::vector<DumpTable>& tables() const { return tables_; }
  // What add_users() wrote; null when the archive has none (rethinkdb dump's never do).
  const json& users() const { return users_; }

  // Streams the documents of the tables `wanted` accepts, in batches of at most
  // `batch_size`, table after table in archive order (a second pass over the archive).
  using Batch = std::function<void(const DumpTable& table, std::vector<json>& documents)>;
  void read_documents(const std::function<bool(const DumpTable&)>& wanted, size_t batch_size,
                      const Batch& on_batch) const;

 private:
  std::string file_;
  std::vector<DumpTable> tables_;
  json users_;
};

// "rethinkdb_dump_YYYY-MM-DDTHH:MM:SS" for now (local time, as rethinkdb dump names it).
std::string dump_folder_name();

}  // namespace rsm::db::backup
