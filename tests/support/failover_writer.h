// What a user's writes see of a fault: a client that inserts numbered documents one after
// another (durability hard) through the RethinkDB server of a node that stays up, each
// sent again through a change of primary (reql::run_write; an insert of its own key with
// conflict "replace" is idempotent). It keeps the acknowledged ones, to check afterwards
// that every one of them is in the table, and the longest time between two
// acknowledgements: the write gap. Needs a real RethinkDB (the stand-in keeps nothing).
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "reql/pool.h"
#include "support/db_connection.h"

namespace rsm::testing {

class FailoverWriter {
 public:
  struct Result {
    std::vector<long> acknowledged;  // the documents' ids
    long failed = 0;                 // writes given up on (after run_write's deadline)
    std::string first_failure;
    std::chrono::milliseconds longest_gap{0};
  };

  // Empties db.table (made beforehand, see make_failover_table), then writes into it
  // through the server of `through_node`, from now until stop().
  FailoverWriter(const std::string& env, const std::string& through_node, std::string db, std::string table);
  ~FailoverWriter();
  FailoverWriter(const FailoverWriter&) = delete;
  FailoverWriter& operator=(const FailoverWriter&) = delete;

  Result stop();
  // The acknowledged documents that are not in the table now (none, when no acknowledged
  // write was lost), read through the same server.
  std::vector<long> missing(const Result& result);

 private:
  void write_until_stopped();

  DbConnection db_;
  reql::Pool pool_;  // through db_'s forwarder: it connects again if the relay goes
  std::string db_name_, table_;
  std::atomic<bool> stopping_{false};
  Result result_;
  std::thread thread_;
};

// Makes database `db` with table `table` on 3 replicas (rsm db replicate) and returns the
// node that holds the table's primary replica now.
std::string make_failover_table(const std::string& env, const std::string& db, const std::string& table);

}  // namespace rsm::testing
