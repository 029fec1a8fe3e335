// Getting an image onto every node without a registry: it is streamed from an engine
// that has it (this machine's, else any node's) into each running node that lacks it,
// or has another image under the same name (an earlier build of the same tag).
// Nodes that could pull it themselves get it the same way: one download, no registry
// credentials on the nodes.
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
