// Reading the regular files out of a tar archive held in memory (what the engine answers
// to GET /containers/{id}/archive).
#pragma once

#include <map>
#include <string>

namespace rsm {

// Path -> content of every regular file. Throws Error on a damaged archive.
std::map<std::string, std::string> read_tar(const std::string& bytes);

}  // namespace rsm
