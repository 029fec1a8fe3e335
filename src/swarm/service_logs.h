// The logs of swarm services (all their tasks), read through a manager and handed on line
// by line. Several services are read at once, each line prefixed with its service, so
// that `rsm db logs` shows every server of the cluster as one stream.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "engine/endpoint.h"
#include "swarm/objects.h"

namespace rsm::swarm {

// on_line gets each line with its newline, one line at a time whichever service it came
// from; with follow, until the services go.
void service_logs(const engine::Endpoint& manager, const std::vector<ServiceView>& services, bool follow,
                  const std::function<void(std::string_view line)>& on_line);

}  // namespace rsm::swarm
