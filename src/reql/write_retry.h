// Writes through a change of primary. While a cluster elects a table's new primary (its
// old one killed, frozen, cut off, or back again), it refuses writes for a moment:
// OP_FAILED, "primary replica for shard … not available", "… is currently changing …
// The write was not performed", "… isn't connected to a quorum …". The write was not
// performed, so it is sent again, with backoff, until the caller's deadline.
//
// OP_INDETERMINATE ("lost contact with primary replica") and a connection lost with the
// write in flight are different: the write may have been performed. Running it again is
// harmless only for an idempotent write (an insert of a given key with conflict:
// "replace", an update that sets values, a delete), which the caller marks as such; any
// other write ends there, and the caller decides (a counter incremented twice is wrong).
//
//   auto result = reql::run_write(pool, r.table("t").insert(doc, {{"conflict", "replace"}}),
//                                 {.idempotent = true});
#pragma once

#include <algorithm>
#include <chrono>
#include <thread>

#include "reql/connection.h"
#include "reql/errors.h"

namespace reql {

struct WriteRetry {
  std::chrono::milliseconds deadline{5000};  // from the first attempt; then the last error goes to the caller
  bool idempotent = false;                   // may run again after an indeterminate outcome
  std::chrono::milliseconds first_backoff{50};
  std::chrono::milliseconds max_backoff{500};
};

// Whether an attempt that failed this way may run again under the policy.
inline bool may_retry(const std::exception& failure, const WriteRetry& policy) {
  if (dynamic_cast<const OpFailedError*>(&failure)) return true;
  if (dynamic_cast<const OpIndeterminateError*>(&failure) || dynamic_cast<const ConnectionError*>(&failure))
    return policy.idempotent;
  return false;
}

// Runs the write on `runner` (a Pool or a Connection) and returns its answer, sending it
// again after each failure may_retry() allows, waiting first_backoff, doubled up to
// max_backoff, for as long as the deadline leaves; otherwise the failure is rethrown.
template <class Runner>
Cursor run_write(Runner& runner, const Term& write, const WriteRetry& policy = {}, const RunOptions& options = {}) {
  auto give_up_at = std::chrono::steady_clock::now() + policy.deadline;
  auto backoff = policy.first_backoff;
  for (;;) {
    try {
      return runner.run(write, options);
    } catch (const Error& failure) {
      if (!may_retry(failure, policy) || std::chrono::steady_clock::now() + backoff > give_up_at) throw;
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, policy.max_backoff);
  }
}

}  // namespace reql
