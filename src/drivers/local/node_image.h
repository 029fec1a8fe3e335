// The image every local node runs: Debian with its own dockerd (images/node/). Built once
// per recipe and reused; its tag is a hash of the recipe, so a changed recipe rebuilds.
#pragma once

#include <string>

#include "engine/client.h"
#include "util/progress.h"

namespace rsm::drivers {

// "rsm-node:<hash of the recipe>", or RSM_NODE_IMAGE when set (a user-built image).
std::string node_image_reference();

// Makes sure the engine has the node image and returns its reference. Where the Debian
// base image can be pulled, it is built from the Dockerfile; otherwise the same system is
// made with debootstrap (which needs root and a reachable Debian mirror, RSM_DEBIAN_MIRROR)
// and imported. Throws Error naming what is missing when neither way is open.
std::string ensure_node_image(engine::Client& host, Progress& progress);

}  // namespace rsm::drivers
