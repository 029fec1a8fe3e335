// One table after the other: info, index_status() and get_write_hook() into its .info,
// then its documents, raw, into its .json: see backup.h.
#include "db/backup/backup.h"

#include <chrono>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "db/backup/dump_archive.h"
#include "reql/errors.h"
#include "util/error.h"

namespace rsm::db::backup {

using nlohmann::json;
using reql::r;

namespace {

// Documents and functions as the server stores them: times and binaries as pseudo-type
// objects, which a restore hands back unchanged.
const reql::RunOptions kRaw{{"time_format", "raw"}, {"binary_format", "raw"}};

std::pair<std::string, std::string> split(const std::string& name) {
  auto dot = name.find('.');
  return {name.substr(0, dot), name.substr(dot + 1)};
}

// The accounts but admin, and their permissions (tables and databases by name).
json read_users(reql::Connection& connection) {
  json users = json::array(), permissions = json::array();
  json accounts = connection.run(r.db("rethinkdb").table("users")).to_array();
  for (const auto& row : accounts)
    if (row.value("id", "") != "admin") users.push_back(row["id"]);
  json grants = connection.run(r.db("rethinkdb").table("permissions")).to_array();
  for (const auto& row : grants) {
    if (row.value("user", "") == "admin") continue;
    json grant{{"user", row["user"]}, {"permissions", row["permissions"]}};
    for (const char* scope : {"database", "table"})
      if (row.contains(scope)) grant[scope] = row[scope];
    permissions.push_back(grant);
  }
  return {{"users", users}, {"permissions", permissions}};
}

}  // namespace

std::vector<std::string> user_tables(reql::Connection& connection) {
  std::vector<std::string> tables;
  json dbs = connection.run(r.db_list()).value();
  for (const auto& db : dbs) {
    if (db == "rethinkdb") continue;
    json names = connection.run(r.db(db.get<std::string>()).table_list()).value();
    for (const auto& table : names)
      tables.push_back(fmt::format("{}.{}", db.get<std::string>(), table.get<std::string>()));
  }
  std::sort(tables.begin(), tables.end());
  return tables;
}

BackupResult back_up(reql::Connection& connection, const std::string& file, const TableSelection& selection,
                     Progress& progress) {
  auto start = std::chrono::steady_clock::now();
  BackupResult result{.file = file};
  std::vector<std::string> tables;
  try {
    tables = user_tables(connection);
  } catch (const ::reql::Error& e) {
    throw Error(fmt::format("cannot list the databases: {}", e.what()));
  }
  if (auto missing = selection.unmatched(tables); !missing.empty())
    throw UsageError(fmt::format("nothing to back up for {}: no such database or table (the cluster has {})",
                                 fmt::join(missing, ", "),
                                 tables.empty() ? "none" : fmt::format("{}", fmt::join(tables, ", "))));

  DumpWriter writer(file, dump_folder_name());
  for (const auto& name : tables) {
    auto [db, table_name] = split(name);
    if (!selection.includes(db, table_name)) continue;
    auto table = r.db(db).table(table_name);
    try {
      json info = connection.run(table.info()).value();
      info["indexes"] = connection.run(table.index_status(), kRaw).value();
      info["write_hook"] = connection.run(reql::Term::make(reql::TermType::GET_WRITE_HOOK, {table}), kRaw).value();
      result.indexes += info["indexes"].size();
      result.write_hooks += !info["write_hook"].is_null();
      std::string primary_key = info.value("primary_key", "id");
      writer.begin_table(db, table_name, info);
      uint64_t count = 0;
      auto cursor = connection.run(table.order_by({}, {{"index", primary_key}}), kRaw);
      while (auto document = cursor.next()) {
        writer.add_document(*document);
        if (++count % 50000 == 0)
          progress.step(name, fmt::format("{} documents, {:.1f} MB", count, writer.bytes() / 1e6));
      }
      writer.end_table();
      progress.step(name, fmt::format("{} documents, {} indexes{}", count, info["indexes"].size(),
                                      info["write_hook"].is_null() ? "" : ", a write hook"));
    } catch (const ::reql::Error& e) {
      throw Error(fmt::format("lost the database while backing up {} ({}); nothing was written to {}: run it again",
                              name, e.what(), file));
    }
    result.tables.push_back(name);
  }
  if (selection.everything()) {
    try {
      json users = read_users(connection);
      result.users = users["users"].size();
      if (result.users > 0 || !users["permissions"].empty()) writer.add_users(users);
    } catch (const ::reql::Error& e) {
      throw Error(
          fmt::format("lost the database while backing up the user accounts ({}); nothing was written to {}: "
                      "run it again",
                      e.what(), file));
    }
  }
  writer.finish();
  result.documents = writer.documents();
  result.bytes = writer.bytes();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace rsm::db::backup
