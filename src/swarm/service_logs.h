// The logs of swarm services (all their tasks), read through a manager: each line with
// the task and node it came from ("web.2@dev-worker-1 | ..."), merged across tasks and
// services in time order, the newest `tail` of them, from `since` on, only those a
// pattern matches; with follow, new lines as they come. The engine gives each line its
// time and its task when asked (timestamps=1, details=1), so the order and the prefix are
// the engine's own, not guessed.
#pragma once

#include <functional>
#include <optional>
#include <regex>
#include <string_view>
#include <vector>

#include "engine/endpoint.h"
#include "swarm/objects.h"

namespace rsm::swarm {

struct LogQuery {
  bool follow = false;
  int tail = 100;                  // the newest lines before following; 0: all
  std::optional<double> since;     // seconds since the epoch
  bool timestamps = false;         // print each line's time (RFC 3339, UTC) first
  std::optional<std::regex> grep;  // only lines whose message this matches (before tail)
};

// on_line gets each line with its newline, one line at a time; with follow, until the
// services go.
void service_logs(const engine::Endpoint& manager, const std::vector<ServiceView>& services, const LogQuery& query,
                  const std::function<void(std::string_view line)>& on_line);

// What --since takes: a duration back from now ("10m", "2h") or a UTC time
// ("2026-12-02T08:00:00Z"). UsageError naming the flag otherwise.
double parse_since(const std::string& text, double now);

}  // namespace rsm::swarm
