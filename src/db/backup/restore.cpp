// Tables made and checked first, then one pass over the archive's documents, then the
// indexes and hooks: see restore.h.
#include "db/backup/restore.h"

#include <chrono>
#include <deque>
#include <future>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/asio/use_future.hpp>

#include "db/backup/backup.h"
#include "db/backup/dump_archive.h"
#include "reql/errors.h"
#include "util/error.h"

namespace rsm::db::backup {

using nlohmann::json;
using reql::r;

namespace {

std::string name_of(const DumpTable& table) { return table.db + "." + table.name; }

reql::Term term_of(const DumpTable& table) { return r.db(table.db).table(table.name); }

// A write's answer, checked: the first error the server gives is the one line.
void check_write(const json& answer, const std::string& what) {
  if (answer.value("errors", 0) > 0)
    throw Error(fmt::format("{} failed: {}", what, answer.value("first_error", std::string("an error"))));
}

// Makes the databases and tables that are missing, and refuses to write into a table with
// documents of its own.
void prepare_tables(reql::Connection& connection, const std::vector<DumpTable>& tables, const RestoreOptions& options,
                    Progress& progress) {
  auto existing = user_tables(connection);
  std::set<std::string> dbs;
  json listed = connection.run(r.db_list()).value();
  for (const auto& db : listed) dbs.insert(db.get<std::string>());
  for (const auto& table : tables) {
    std::string name = name_of(table);
    if (!dbs.contains(table.db)) {
      connection.run(r.db_create(table.db));
      dbs.insert(table.db);
    }
    if (std::find(existing.begin(), existing.end(), name) == existing.end()) {
      connection.run(r.db(table.db).table_create(table.name, {{"primary_key", table.primary_key()}}));
      progress.step(name, fmt::format("table made (primary key {})", table.primary_key()));
      continue;
    }
    std::string key = connection.run(term_of(table).info()).value().value("primary_key", "id");
    if (key != table.primary_key())
      throw UsageError(
          fmt::format("table {} exists with primary key {}, the backup's has {}: remove it first, or "
                      "restore the others with -i",
                      name, key, table.primary_key()));
    auto count = connection.run(term_of(table).count()).value().get<uint64_t>();
    if (count > 0 && !options.force && !options.resumed.contains(name))
      throw UsageError(
          fmt::format("table {} already has {} documents: restore into an empty table, or add --force "
                      "to write the backup's documents over those with the same primary key",
                      name, count));
  }
}

// Accounts made where missing, without a password (rethinkdb dump's archives have none).
uint64_t restore_users(reql::Connection& connection, const json& users, Progress& progress) {
  std::set<std::string> existing;
  json accounts = connection.run(r.db("rethinkdb").table("users")).to_array();
  for (const auto& row : accounts) existing.insert(row.value("id", ""));
  uint64_t made = 0;
  for (const auto& user : users.value("users", json::array())) {
    if (!user.is_string() || existing.contains(user.get<std::string>())) continue;
    connection.run(r.db("rethinkdb").table("users").insert(json{{"id", user}, {"password", false}}));
    ++made;
  }
  for (const auto& grant : users.value("permissions", json::array())) {
    json user = grant.value("user", json()), permissions = grant.value("permissions", json::object());
    if (grant.contains("table"))
      connection.run(r.db(grant["database"]).table(grant["table"]).grant(user, permissions));
    else if (grant.contains("database"))
      connection.run(r.db(grant["database"]).grant(user, permissions));
    else
      connection.run(r.grant(user, permissions));
  }
  if (made > 0) progress.step("users", fmt::format("{} accounts made without a password: set each one's", made));
  return users.value("users", json::array()).size();
}

}  // namespace

RestoreResult restore(reql::Connection& connection, const DumpReader& archive, const RestoreOptions& options,
                      Progress& progress) {
  auto start = std::chrono::steady_clock::now();
  std::vector<DumpTable> tables;
  std::vector<std::string> names;
  for (const auto& table : archive.tables()) {
    names.push_back(name_of(table));
    if (options.selection.includes(table.db, table.name)) tables.push_back(table);
  }
  if (auto missing = options.selection.unmatched(names); !missing.empty())
    throw UsageError(
        fmt::format("{} holds no {} (it holds {})", archive.file(), fmt::join(missing, ", "), fmt::join(names, ", ")));

  RestoreResult result;
  try {
    prepare_tables(connection, tables, options, progress);

    std::deque<std::future<reql::Cursor>> pending;
    auto wait_for_oldest = [&] {
      check_write(pending.front().get().value(), "inserting documents");
      pending.pop_front();
    };
    std::string current;
    uint64_t in_table = 0;
    archive.read_documents(
        [&](const DumpTable& table) { return options.selection.includes(table.db, table.name); }, options.batch_size,
        [&](const DumpTable& table, std::vector<json>& batch) {
          std::string name = name_of(table);
          if (name != current) {
            while (!pending.empty()) wait_for_oldest();
            if (!current.empty()) progress.step(current, fmt::format("{} documents", in_table));
            current = name;
            in_table = 0;
            if (options.starting_table) options.starting_table(name);
          }
          json documents = json::array();
          for (auto& document : batch) documents.push_back(std::move(document));
          in_table += documents.size();
          result.documents += documents.size();
          pending.push_back(connection.async_run(term_of(table).insert(documents, {{"conflict", "replace"}}), {},
                                                 boost::asio::use_future));
          while (pending.size() >= options.in_flight) wait_for_oldest();
        });
    while (!pending.empty()) wait_for_oldest();
    if (!current.empty()) progress.step(current, fmt::format("{} documents", in_table));

    for (const auto& table : tables) {
      auto t = term_of(table);
      std::set<std::string> present;
      json listed = connection.run(t.index_list()).value();
      for (const auto& index : listed) present.insert(index.get<std::string>());
      size_t indexes = 0;
      for (const auto& index : table.info.value("indexes", json::array())) {
        if (!index.is_object() || !index.contains("function")) continue;  // a bare name (an old export)
        std::string name = index.value("index", "");
        if (!present.contains(name))
          connection.run(t.index_create(name, index["function"],
                                        {{"multi", index.value("multi", false)}, {"geo", index.value("geo", false)}}));
        ++indexes;
      }
      if (indexes > 0) {
        progress.step(name_of(table), fmt::format("building {} secondary indexes", indexes));
        connection.run(t.index_wait());
      }
      result.indexes += indexes;
      json hook = table.info.value("write_hook", json());
      if (hook.is_object() && hook.contains("function")) {
        connection.run(reql::Term::make(reql::TermType::SET_WRITE_HOOK, {t, hook["function"]}));
        ++result.write_hooks;
      }
      if (options.replicas > 0) {
        connection.run(t.reconfigure({{"shards", 1}, {"replicas", options.replicas}}));
        connection.run(t.wait({{"wait_for", "all_replicas_ready"}, {"timeout", 120}}));
      }
      result.tables.push_back(name_of(table));
    }
    if (options.selection.everything() && archive.users().is_object())
      result.users = restore_users(connection, archive.users(), progress);
  } catch (const ::reql::Error& e) {
    throw Error(fmt::format("lost the database while restoring {} ({}): run the same restore again to finish it",
                            archive.file(), e.what()));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace rsm::db::backup
