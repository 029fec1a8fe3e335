// Reading the regular files out of a tar archive (what the engine answers to
// GET /containers/{id}/archive): held in memory, or a big one from a file.
#pragma once

#include <map>
#include <string>

namespace rsm {

// Path -> content of every regular file. Throws Error on a damaged archive.
std::map<std::string, std::string> read_tar(const std::string& bytes);

// Copies the regular file `name` out of the tar archive `tar_file` to `destination`, a
// block at a time. False when the archive has no such file; Error when it is damaged or
// the destination cannot be written.
bool extract_tar_file(const std::string& tar_file, const std::string& name, const std::string& destination);

}  // namespace rsm
