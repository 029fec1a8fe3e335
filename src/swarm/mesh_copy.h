// Copying an image from one machine of the mesh to another over it, so that an image rsm
// streams to machines elsewhere crosses the user's own link once: the first of them gets
// it from this machine, the others from that one, inside the mesh.
#pragma once

#include <string>

#include "drivers/node.h"
#include "swarm/environment.h"

namespace rsm::swarm {

// Copies `image` from `seed` to `target`, both machines elsewhere (in the mesh, with
// socat); throws Error naming both when the target did not load it.
void copy_over_mesh(Environment& env, const drivers::Node& seed, const drivers::Node& target, const std::string& image);

}  // namespace rsm::swarm
