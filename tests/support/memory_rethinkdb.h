// A RethinkDB stand-in that keeps databases and tables in memory and evaluates the part of
// ReQL that rsm's backups and restores send (and what their tests check with), answering
// as RethinkDB 2.4 answers: databases and tables created, listed and dropped; a table's
// info(), index_status(), index_create() (a function given as the BINARY index_status()
// shows, or a FUNC term), index_wait(), get_write_hook()/set_write_hook(), reconfigure();
// insert() with conflict, count(), add(), delete(), and a table or its order_by({index}) read as a
// stream in batches (SUCCESS_PARTIAL, then SUCCESS_SEQUENCE as CONTINUEs arrive). The
// system database `rethinkdb` has its `users` (admin to begin with) and `permissions`
// tables, which grant() (global, on a database or on a table) keeps as RethinkDB does.
// Given a server name, it also describes itself as a cluster of that one server in
// `server_status`, `server_config`, `table_config`, `table_status` and `current_issues`
// (every table one shard with one replica, ready), which `rsm db status` reads.
// Documents are kept as given: pseudo-types ($reql_type$ TIME, BINARY, GEOMETRY) are
// stored and read raw. Anything else is a compile error naming the term, so a test never
// passes on a query the stand-in did not understand.
//
// It plugs into ReplayServer (set_evaluator) as the CI's database where no RethinkDB is.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rsm::testing {

class MemoryRethinkdb {
 public:
  explicit MemoryRethinkdb(size_t batch_size = 1000);

  // Describes a one-server cluster of this name in the system tables.
  void set_server_name(std::string name);

  // The answers (response JSON texts) to one START query: one, or a stream's batches.
  std::vector<std::string> answer(const nlohmann::json& term, const nlohmann::json& global_optargs);

  // The table's documents in primary key order (for tests to compare).
  std::vector<nlohmann::json> documents(const std::string& db, const std::string& table);

 private:
  struct Index {
    nlohmann::json function;  // BINARY
    bool multi = false, geo = false;
  };
  struct Table {
    std::string id, primary_key = "id";
    std::map<nlohmann::json, nlohmann::json> documents;  // by primary key
    std::map<std::string, Index> indexes;
    nlohmann::json write_hook;  // null, or {function, query}
    int replicas = 1;
  };
  struct Database {
    std::string id;
    std::map<std::string, Table> tables;
  };
  // What a term evaluates to: a datum, a database, a table, or a stream of documents.
  struct Value {
    enum class Kind { Datum, Db, Table, Stream } kind = Kind::Datum;
    nlohmann::json datum;
    std::string db, table;
    std::vector<nlohmann::json> stream;
  };

  // Writes the cluster's system tables afresh from the tables there are now.
  void describe_cluster();
  Value eval(const nlohmann::json& term, const nlohmann::json& global_optargs);
  nlohmann::json datum(const nlohmann::json& term, const nlohmann::json& global_optargs);
  Database& database(const std::string& name);
  Table& table(const Value& value);
  nlohmann::json info(const Value& value);

  std::string server_name_;
  double started_ = 0;
  size_t batch_size_;
  std::mutex mutex_;
  std::map<std::string, Database> databases_{{"test", {"00000000-0000-4000-8000-000000000001", {}}}};
  int next_id_ = 2;
};

}  // namespace rsm::testing
