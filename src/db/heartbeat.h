// The heartbeat a cluster gets when the user names none: how long a silent server has
// before the others count it gone and its tables elect new primaries. A short one ends
// the writes' wait on a frozen or cut-off primary sooner (the wait is about the heartbeat
// plus 4-5 s, measured with RethinkDB's 10 s); a long one rides out the delays of networks
// rsm does not own. On one network, peers of a server that is merely busy still hear
// from it well within 3 s (a false failover moves primaries, a write gap of about a
// second that reql::run_write rides out); across networks and regions, a burst of lost
// packets or a congested link can silence a peer for seconds, so those keep RethinkDB's
// own 10 s. bench/heartbeat_false_failovers measures false failovers under a saturated
// CPU for each heartbeat; docs/design.md ("Riding out a node's fault") has the choice.
#pragma once

#include <vector>

#include "drivers/node.h"

namespace rsm::db {

inline constexpr int kOneNetworkHeartbeat = 3;
inline constexpr int kAcrossNetworksHeartbeat = 10;

// kOneNetworkHeartbeat when every node is on one network: all on this machine, or all
// elsewhere in one region (or none named); kAcrossNetworksHeartbeat otherwise.
int default_heartbeat(const std::vector<drivers::Node>& nodes);

}  // namespace rsm::db
