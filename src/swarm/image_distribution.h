// Getting an image onto every node, with or without a registry: each running node that
// lacks it (or has another image under the same name, an earlier build of the same tag)
// gets it. Machines elsewhere (ssh, cloud) pull an image that came from a registry
// themselves; local nodes, and images no registry has (rsm's own, local builds), are
// streamed from an engine that has it: this machine's, else a node's.
#pragma once

#include <string>
#include <vector>

#include "swarm/environment.h"

namespace rsm::swarm {

struct ImageLoadResult {
  std::string id;                    // the image's ID, now on every running node
  std::vector<std::string> loaded;   // nodes that got the image now (or a newer build of the tag)
  std::vector<std::string> already;  // nodes that had it
  std::vector<std::string> stopped;  // nodes that were not running (not loaded)
};

// When no engine has the image, this machine's engine pulls it; throws Error at once,
// before copying anything, when that fails too.
ImageLoadResult load_image(Environment& env, const std::string& image, Progress& progress);

}  // namespace rsm::swarm
