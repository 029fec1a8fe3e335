#include "support/failover_writer.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "reql/write_retry.h"
#include "support/rsm_runner.h"
#include "util/error.h"

namespace rsm::testing {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using reql::r;

FailoverWriter::FailoverWriter(const std::string& env, const std::string& through_node, std::string db,
                               std::string table)
    : db_(connect_to_db(env, through_node)),
      pool_({.seeds = {"127.0.0.1:" + std::to_string(db_.options.port)}, .connection = db_.options}),
      db_name_(std::move(db)),
      table_(std::move(table)) {
  // An earlier writer's documents would hide a lost write of this one's under the same id.
  pool_.run(r.db(db_name_).table(table_).delete_());
  thread_ = std::thread([this] { write_until_stopped(); });
}

FailoverWriter::~FailoverWriter() {
  if (thread_.joinable()) stop();
}

void FailoverWriter::write_until_stopped() {
  auto last = Clock::now();
  for (long id = 0; !stopping_; ++id) {
    auto write =
        r.db(db_name_).table(table_).insert(json{{"id", id}}, {{"conflict", "replace"}, {"durability", "hard"}});
    try {
      auto answer = reql::run_write(pool_, write, {.deadline = std::chrono::seconds(30), .idempotent = true}).value();
      if (answer.value("errors", 0) != 0) throw Error("the write was refused: " + answer.dump());
      auto now = Clock::now();
      result_.longest_gap =
          std::max(result_.longest_gap, std::chrono::duration_cast<std::chrono::milliseconds>(now - last));
      last = now;
      result_.acknowledged.push_back(id);
    } catch (const std::exception& e) {
      if (result_.failed++ == 0) result_.first_failure = e.what();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

FailoverWriter::Result FailoverWriter::stop() {
  stopping_ = true;
  thread_.join();
  return result_;
}

std::vector<long> FailoverWriter::missing(const Result& result) {
  auto stored = pool_.run(r.db(db_name_).table(table_)["id"].coerce_to("array")).value();
  std::vector<long> ids = stored.get<std::vector<long>>();
  std::sort(ids.begin(), ids.end());
  std::vector<long> lost;
  for (long id : result.acknowledged)
    if (!std::binary_search(ids.begin(), ids.end(), id)) lost.push_back(id);
  return lost;
}

std::string make_failover_table(const std::string& env, const std::string& db, const std::string& table) {
  {
    auto admin = connect_to_db(env);
    auto& connection = *admin.connection;
    if (!connection.run(r.db_list().contains(db)).value().get<bool>()) connection.run(r.db_create(db));
    if (!connection.run(r.db(db).table_list().contains(table)).value().get<bool>())
      connection.run(r.db(db).table_create(table));
  }
  auto replicated = run_rsm({"db", "replicate", env});
  if (replicated.exit_code != 0) throw Error("rsm db replicate failed:\n" + replicated.output);
  auto admin = connect_to_db(env);
  auto config = admin.connection->run(r.db(db).table(table).config()).value();
  // Server names are node names with '_' for '-' (RethinkDB allows no '-' in names).
  std::string server = config["shards"][0]["primary_replica"];
  std::replace(server.begin(), server.end(), '_', '-');
  return server;
}

}  // namespace rsm::testing
