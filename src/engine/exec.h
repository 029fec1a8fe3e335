// Running a command inside a container through the Engine API (POST /containers/{id}/exec),
// the way `docker exec` does: with its output streamed as it comes, or with this process's
// stdin, stdout and stderr handed to it (and the terminal, when there is one).
#pragma once

#include <string>
#include <vector>

#include "engine/client.h"
#include "engine/stream_demuxer.h"

namespace rsm::engine {

// Runs argv in the container and returns its exit code.
int exec_in_container(Client& client, const std::string& container, const std::vector<std::string>& argv,
                      const OutputSink& output);

// Runs argv in the container with this process's stdin, stdout and stderr attached, as
// `docker exec -i` does, and returns its exit code. With tty, the process gets a terminal
// of its own the size of ours (kept so when ours is resized) and ours is raw meanwhile, as
// `docker exec -it`; without, the end of our stdin is the end of its.
int exec_attached(Client& client, const std::string& container, const std::vector<std::string>& argv, bool tty);

}  // namespace rsm::engine
