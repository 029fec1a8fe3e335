// Running a command inside a container through the Engine API (POST /containers/{id}/exec),
// the way `docker exec` does, with its output streamed as it comes.
#pragma once

#include <string>
#include <vector>

#include "engine/client.h"
#include "engine/stream_demuxer.h"

namespace rsm::engine {

// Runs argv in the container and returns its exit code.
int exec_in_container(Client& client, const std::string& container, const std::vector<std::string>& argv,
                      const OutputSink& output);

}  // namespace rsm::engine
