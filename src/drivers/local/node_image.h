// The image every local node runs: Debian with its own dockerd (images/node/), made from
// Debian packages (see images/debian_image.h).
#pragma once

#include <string>

#include "engine/client.h"
#include "util/progress.h"

namespace rsm::drivers {

// "rsm-node:<hash of the recipe>", or RSM_NODE_IMAGE when set (a user-built image).
std::string node_image_reference();

// Makes sure the engine has the node image and returns its reference.
std::string ensure_node_image(engine::Client& host, Progress& progress);

}  // namespace rsm::drivers
