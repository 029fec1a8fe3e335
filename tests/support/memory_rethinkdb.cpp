// A small evaluator of ReQL's JSON terms over maps in memory: see memory_rethinkdb.h.
#include "support/memory_rethinkdb.h"

#include <algorithm>
#include <ctime>
#include <stdexcept>

#include <fmt/format.h>

#include "reql/base64.h"
#include "reql/protocol.h"

namespace rsm::testing {

using nlohmann::json;
using reql::TermType;

namespace {

// A query the server refuses: RUNTIME_ERROR (18) with its ErrorType, or COMPILE_ERROR (17).
struct Refusal {
  int response_type;
  long error_type;
  std::string message;
};

[[noreturn]] void refuse(long error_type, std::string message) { throw Refusal{18, error_type, std::move(message)}; }

[[noreturn]] void unsupported(int type) {
  throw Refusal{17, 0, fmt::format("the memory stand-in does not evaluate term type {}", type)};
}

constexpr long kOpFailed = 4100000, kNonExistence = 3100000, kQueryLogic = 3000000;

bool is_term(const json& term) { return term.is_array(); }
int type_of(const json& term) { return term[0].get<int>(); }
const json& args_of(const json& term) {
  static const json none = json::array();
  return term.size() > 1 ? term[1] : none;
}
json optargs_of(const json& term) { return term.size() > 2 ? term[2] : json::object(); }

std::string uuid(int n) { return fmt::format("00000000-0000-4000-8000-{:012d}", n); }

}  // namespace

MemoryRethinkdb::MemoryRethinkdb(size_t batch_size) : batch_size_(batch_size) {
  Database system{uuid(next_id_++), {}};
  system.tables["users"].documents[json("admin")] = {{"id", "admin"}, {"password", true}};
  system.tables["permissions"].documents[json::array({"admin"})] = {
      {"id", json::array({"admin"})},
      {"user", "admin"},
      {"permissions", {{"read", true}, {"write", true}, {"config", true}, {"connect", true}}}};
  databases_["rethinkdb"] = std::move(system);
}

void MemoryRethinkdb::set_server_name(std::string name) {
  std::lock_guard lock(mutex_);
  server_name_ = std::move(name);
  started_ = static_cast<double>(std::time(nullptr));
}

void MemoryRethinkdb::describe_cluster() {
  auto& system = databases_.at("rethinkdb").tables;
  std::string server_id = uuid(0);
  json time{{"$reql_type$", "TIME"}, {"epoch_time", started_}, {"timezone", "+00:00"}};
  system["server_status"].documents = {
      {json(server_id),
       {{"id", server_id},
        {"name", server_name_},
        {"network", {{"hostname", server_name_}, {"connected_to", json::object()}, {"time_connected", time}}},
        {"process", {{"version", "rethinkdb 2.4.4 (memory stand-in)"}, {"time_started", time}}}}}};
  system["server_config"].documents = {
      {json(server_id), {{"id", server_id}, {"name", server_name_}, {"tags", json::array({"default"})}}}};
  system["current_issues"].documents.clear();
  auto& configs = system["table_config"].documents;
  auto& statuses = system["table_status"].documents;
  configs.clear();
  statuses.clear();
  for (const auto& [db, database] : databases_) {
    if (db == "rethinkdb") continue;
    for (const auto& [name, t] : database.tables) {
      json replicas = json::array();
      replicas.push_back(server_name_);
      json shard{{"primary_replica", server_name_}, {"replicas", replicas}};
      configs[json(t.id)] = {
          {"id", t.id}, {"db", db}, {"name", name}, {"primary_key", t.primary_key}, {"shards", json::array({shard})}};
      statuses[json(t.id)] = {{"id", t.id},
                              {"db", db},
                              {"name", name},
                              {"status",
                               {{"ready_for_outdated_reads", true},
                                {"ready_for_reads", true},
                                {"ready_for_writes", true},
                                {"all_replicas_ready", true}}}};
    }
  }
}

std::vector<std::string> MemoryRethinkdb::answer(const json& term, const json& global_optargs) {
  std::lock_guard lock(mutex_);
  try {
    if (!server_name_.empty()) describe_cluster();
    Value value = eval(term, global_optargs);
    if (value.kind == Value::Kind::Datum) {
      // Built by push_back: a two-element array starting with a string inside a braced
      // list would be taken for a key and its value.
      json r = json::array();
      r.push_back(std::move(value.datum));
      return {json{{"t", 1}, {"r", r}}.dump()};
    }
    if (value.kind != Value::Kind::Stream) {
      if (value.kind == Value::Kind::Db)
        refuse(kQueryLogic, "Query result must be of type DATUM, GROUPED_DATA, or STREAM (got DATABASE).");
      value.stream.clear();
      for (const auto& [key, document] : table(value).documents) value.stream.push_back(document);
    }
    std::vector<std::string> answers;
    size_t at = 0;
    do {
      size_t end = std::min(value.stream.size(), at + batch_size_);
      json batch = json::array();
      for (size_t i = at; i < end; ++i) batch.push_back(value.stream[i]);
      answers.push_back(json{{"t", end == value.stream.size() ? 2 : 3}, {"r", batch}}.dump());
      at = end;
    } while (at < value.stream.size());
    return answers;
  } catch (const Refusal& refusal) {
    json answer{{"t", refusal.response_type}, {"r", {refusal.message}}, {"b", json::array()}};
    if (refusal.response_type == 18) answer["e"] = refusal.error_type;
    return {answer.dump()};
  }
}

std::vector<json> MemoryRethinkdb::documents(const std::string& db, const std::string& name) {
  std::lock_guard lock(mutex_);
  std::vector<json> out;
  for (const auto& [key, document] : databases_.at(db).tables.at(name).documents) out.push_back(document);
  return out;
}

MemoryRethinkdb::Database& MemoryRethinkdb::database(const std::string& name) {
  auto found = databases_.find(name);
  if (found == databases_.end()) refuse(kNonExistence, fmt::format("Database `{}` does not exist.", name));
  return found->second;
}

MemoryRethinkdb::Table& MemoryRethinkdb::table(const Value& value) {
  if (value.kind != Value::Kind::Table) refuse(kQueryLogic, "Expected type TABLE but found another.");
  auto& tables = database(value.db).tables;
  auto found = tables.find(value.table);
  if (found == tables.end()) refuse(kOpFailed, fmt::format("Table `{}.{}` does not exist.", value.db, value.table));
  return found->second;
}

json MemoryRethinkdb::datum(const json& term, const json& global_optargs) {
  Value value = eval(term, global_optargs);
  if (value.kind == Value::Kind::Datum) return value.datum;
  if (value.kind == Value::Kind::Stream) return value.stream;
  refuse(kQueryLogic, "Expected a datum.");
}

json MemoryRethinkdb::info(const Value& value) {
  Table& t = table(value);
  json indexes = json::array();
  for (const auto& [name, index] : t.indexes) indexes.push_back(name);
  return {{"db", {{"id", databases_.at(value.db).id}, {"name", value.db}, {"type", "DB"}}},
          {"doc_count_estimates", {t.documents.size()}},
          {"id", t.id},
          {"indexes", indexes},
          {"name", value.table},
          {"primary_key", t.primary_key},
          {"type", "TABLE"}};
}

MemoryRethinkdb::Value MemoryRethinkdb::eval(const json& term, const json& global_optargs) {
  if (term.is_object()) {  // an object of terms
    json out = json::object();
    for (const auto& [key, item] : term.items()) out[key] = datum(item, global_optargs);
    return {.datum = out};
  }
  if (!is_term(term)) return {.datum = term};
  int type = type_of(term);
  const json& args = args_of(term);
  json optargs = optargs_of(term);
  auto arg = [&](size_t i) { return datum(args.at(i), global_optargs); };
  auto db_of = [&](const json& options) -> std::string {
    if (options.contains("db")) return eval(options["db"], global_optargs).db;
    if (global_optargs.contains("db")) return eval(global_optargs["db"], global_optargs).db;
    return "test";
  };

  switch (static_cast<TermType>(type)) {
    case TermType::DATUM:
      return {.datum = args.at(0)};
    case TermType::MAKE_ARRAY: {
      json out = json::array();
      for (const auto& item : args) out.push_back(datum(item, global_optargs));
      return {.datum = out};
    }
    case TermType::DB: {
      std::string name = arg(0);
      database(name);
      return {.kind = Value::Kind::Db, .db = name};
    }
    case TermType::TABLE: {
      Value out{.kind = Value::Kind::Table};
      if (args.size() == 2) {
        out.db = eval(args[0], global_optargs).db;
        out.table = arg(1);
      } else {
        out.db = db_of(optargs);
        out.table = arg(0);
      }
      table(out);
      return out;
    }
    case TermType::DB_LIST: {
      json names = json::array();
      for (const auto& [name, db] : databases_) names.push_back(name);
      return {.datum = names};
    }
    case TermType::DB_CREATE: {
      std::string name = arg(0);
      if (databases_.contains(name)) refuse(kOpFailed, fmt::format("Database `{}` already exists.", name));
      databases_[name] = {uuid(next_id_++), {}};
      return {.datum = {{"dbs_created", 1}}};
    }
    case TermType::DB_DROP: {
      std::string name = arg(0);
      database(name);
      size_t tables = databases_[name].tables.size();
      databases_.erase(name);
      return {.datum = {{"dbs_dropped", 1}, {"tables_dropped", tables}}};
    }
    case TermType::TABLE_LIST: {
      std::string db = args.size() == 1 ? eval(args[0], global_optargs).db : db_of(optargs);
      json names = json::array();
      for (const auto& [name, t] : database(db).tables) names.push_back(name);
      return {.datum = names};
    }
    case TermType::TABLE_CREATE: {
      std::string db = args.size() == 2 ? eval(args[0], global_optargs).db : db_of(optargs);
      std::string name = args.size() == 2 ? arg(1) : arg(0);
      auto& tables = database(db).tables;
      if (tables.contains(name)) refuse(kOpFailed, fmt::format("Table `{}.{}` already exists.", db, name));
      Table t;
      t.id = uuid(next_id_++);
      if (optargs.contains("primary_key")) t.primary_key = datum(optargs["primary_key"], global_optargs);
      if (optargs.contains("replicas")) t.replicas = datum(optargs["replicas"], global_optargs);
      tables[name] = t;
      return {.datum = {{"tables_created", 1}}};
    }
    case TermType::TABLE_DROP: {
      std::string db = args.size() == 2 ? eval(args[0], global_optargs).db : db_of(optargs);
      std::string name = args.size() == 2 ? arg(1) : arg(0);
      if (!database(db).tables.erase(name)) refuse(kOpFailed, fmt::format("Table `{}.{}` does not exist.", db, name));
      return {.datum = {{"tables_dropped", 1}}};
    }
    case TermType::INFO:
      return {.datum = info(eval(args.at(0), global_optargs))};
    case TermType::INDEX_LIST: {
      json names = json::array();
      for (const auto& [name, index] : table(eval(args.at(0), global_optargs)).indexes) names.push_back(name);
      return {.datum = names};
    }
    case TermType::INDEX_STATUS:
    case TermType::INDEX_WAIT: {
      Table& t = table(eval(args.at(0), global_optargs));
      json statuses = json::array();
      for (const auto& [name, index] : t.indexes) {
        bool wanted = args.size() == 1;
        for (size_t i = 1; i < args.size(); ++i) wanted = wanted || arg(i) == name;
        if (wanted)
          statuses.push_back({{"index", name},
                              {"ready", true},
                              {"function", index.function},
                              {"multi", index.multi},
                              {"geo", index.geo},
                              {"outdated", false},
                              {"query", fmt::format("indexCreate('{}', ...)", name)}});
      }
      return {.datum = statuses};
    }
    case TermType::INDEX_CREATE: {
      Table& t = table(eval(args.at(0), global_optargs));
      std::string name = arg(1);
      if (t.indexes.contains(name)) refuse(kOpFailed, fmt::format("Index `{}` already exists.", name));
      Index index;
      if (args.size() > 2) {
        const json& function = args[2];
        // As index_status() shows it (what restores send back), or a function term.
        index.function = function.is_object()
                             ? datum(function, global_optargs)
                             : json{{"$reql_type$", "BINARY"}, {"data", reql::base64_encode(function.dump())}};
      } else {
        index.function = {{"$reql_type$", "BINARY"}, {"data", reql::base64_encode("field:" + name)}};
      }
      if (optargs.contains("multi")) index.multi = datum(optargs["multi"], global_optargs);
      if (optargs.contains("geo")) index.geo = datum(optargs["geo"], global_optargs);
      t.indexes[name] = index;
      return {.datum = {{"created", 1}}};
    }
    case TermType::GET_WRITE_HOOK:
      return {.datum = table(eval(args.at(0), global_optargs)).write_hook};
    case TermType::SET_WRITE_HOOK: {
      Table& t = table(eval(args.at(0), global_optargs));
      const json& function = args.at(1);
      bool had = !t.write_hook.is_null();
      if (function.is_null()) {
        t.write_hook = nullptr;
        return {.datum = {{"deleted", had ? 1 : 0}}};
      }
      json binary = function.is_object()
                        ? datum(function, global_optargs)
                        : json{{"$reql_type$", "BINARY"}, {"data", reql::base64_encode(function.dump())}};
      t.write_hook = {{"function", binary}, {"query", "setWriteHook(...)"}};
      return {.datum = {{had ? "replaced" : "created", 1}}};
    }
    case TermType::RECONFIGURE: {
      Table& t = table(eval(args.at(0), global_optargs));
      if (optargs.contains("replicas")) t.replicas = datum(optargs["replicas"], global_optargs);
      return {.datum = {{"reconfigured", 1}}};
    }
    case TermType::WAIT:
      return {.datum = {{"ready", 1}}};
    case TermType::ORDER_BY: {
      Value source = eval(args.at(0), global_optargs);
      Table& t = table(source);
      std::string index = optargs.contains("index") ? datum(optargs["index"], global_optargs).get<std::string>() : "";
      if (index != t.primary_key) refuse(kQueryLogic, "the memory stand-in orders by the primary key only");
      Value out{.kind = Value::Kind::Stream};
      for (const auto& [key, document] : t.documents) out.stream.push_back(document);
      return out;
    }
    case TermType::ADD: {  // numbers add up; strings and arrays join
      json sum = arg(0);
      for (size_t i = 1; i < args.size(); ++i) {
        json next = arg(i);
        if (sum.is_number() && next.is_number())
          sum = sum.is_number_integer() && next.is_number_integer() ? json(sum.get<long long>() + next.get<long long>())
                                                                    : json(sum.get<double>() + next.get<double>());
        else if (sum.is_string() && next.is_string())
          sum = sum.get<std::string>() + next.get<std::string>();
        else if (sum.is_array() && next.is_array())
          sum.insert(sum.end(), next.begin(), next.end());
        else
          refuse(kQueryLogic, "Expected type NUMBER, STRING or ARRAY to add.");
      }
      return {.datum = sum};
    }
    case TermType::COUNT: {
      Value source = eval(args.at(0), global_optargs);
      if (source.kind == Value::Kind::Table) return {.datum = table(source).documents.size()};
      if (source.kind == Value::Kind::Stream) return {.datum = source.stream.size()};
      return {.datum = source.datum.size()};
    }
    case TermType::DELETE: {
      Table& t = table(eval(args.at(0), global_optargs));
      size_t deleted = t.documents.size();
      t.documents.clear();
      return {
          .datum = {
              {"deleted", deleted}, {"errors", 0}, {"inserted", 0}, {"replaced", 0}, {"skipped", 0}, {"unchanged", 0}}};
    }
    case TermType::INSERT: {
      Table& t = table(eval(args.at(0), global_optargs));
      json documents = arg(1);
      if (documents.is_object()) documents = json::array({documents});
      std::string conflict = optargs.contains("conflict") ? datum(optargs["conflict"], global_optargs) : "error";
      json result{{"deleted", 0}, {"errors", 0}, {"inserted", 0}, {"replaced", 0}, {"skipped", 0}, {"unchanged", 0}};
      for (auto& document : documents) {
        if (!document.contains(t.primary_key))
          refuse(kOpFailed, "the memory stand-in needs the primary key in every document");
        json key = document[t.primary_key];
        auto found = t.documents.find(key);
        if (found == t.documents.end()) {
          t.documents[key] = document;
          result["inserted"] = result["inserted"].get<int>() + 1;
        } else if (conflict == "error") {
          result["errors"] = result["errors"].get<int>() + 1;
          result["first_error"] = fmt::format("Duplicate primary key `{}`:", t.primary_key);
        } else if (found->second == document) {
          result["unchanged"] = result["unchanged"].get<int>() + 1;
        } else {
          found->second = document;
          result["replaced"] = result["replaced"].get<int>() + 1;
        }
      }
      return {.datum = result};
    }
    case TermType::GRANT: {
      // r.grant(user, permissions), or on a database or a table as the first argument.
      Value scope = args.size() == 3 ? eval(args[0], global_optargs) : Value{};
      json user = arg(args.size() - 2), permissions = arg(args.size() - 1);
      json id = json::array({user});
      json row{{"user", user}};
      if (!scope.db.empty()) {
        id.push_back(scope.db);
        row["database"] = scope.db;
      }
      if (!scope.table.empty()) {
        id.push_back(scope.table);
        row["table"] = scope.table;
      }
      row["id"] = id;
      auto& rows = databases_.at("rethinkdb").tables.at("permissions").documents;
      json merged = rows.contains(id) ? rows[id]["permissions"] : json::object();
      merged.update(permissions);
      row["permissions"] = merged;
      rows[id] = row;
      return {.datum = {{"granted", 1}, {"permissions_changes", json::array({{{"new_val", merged}}})}}};
    }
    default:
      unsupported(type);
  }
}

}  // namespace rsm::testing
