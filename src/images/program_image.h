// The images of rsm's own programs that run on the nodes (rsm-relay, rsm-backup): one
// static binary installed next to rsm (the build puts them all in build/), or where an
// environment variable names it, in a FROM scratch image tagged by the binary's content
// hash, built on the node's engine when it lacks it. Nothing to pull, nothing to trust
// but the binary that came with rsm.
#pragma once

#include <string>

#include "engine/client.h"

namespace rsm::images {

// The program's binary: next to rsm, or where `variable` names it. Error naming both when
// it is missing.
std::string read_program(const std::string& program, const char* variable);

// program: "rsm-relay"; variable: "RSM_RELAY", which names another place for it. Error
// naming both when the binary is missing.
std::string ensure_program_image(engine::Client& node_engine, const std::string& program, const char* variable);

}  // namespace rsm::images
