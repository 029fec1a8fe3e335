// Getting an image onto every node, with or without a registry: each running node that
// lacks it (or has another image under the same name, an earlier build of the same tag)
// gets it. Machines elsewhere (ssh, cloud) pull an image that came from a registry
// themselves; local nodes, and images no registry has (rsm's own, local builds), are
// streamed from an engine that has it (this machine's, else a node's), and machines
// elsewhere pass such an image on to each other over the mesh.
#pragma once

#include <string>
#include <vector>

#include "engine/endpoint.h"
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

// The image's ID where load_image would copy it from (this machine's engine, else the
// first running node that has it); empty when no engine has it. Changes nothing.
std::string find_image_id(Environment& env, const std::string& image);

// The engine that makes the images rsm makes itself (the edge proxy's, apps built from
// source): this machine's when it answers, else (a machine without Docker, driving
// machines elsewhere) a manager's; load_image then copies from there.
engine::Endpoint engine_for_images(Environment& env);

}  // namespace rsm::swarm
