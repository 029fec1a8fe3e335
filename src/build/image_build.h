// `rsm build`: a project made into an image the same way on any machine with Docker. A
// C++ CMake project or a Go package is compiled into one static binary in a builder
// container made from Debian packages, and that binary made into a FROM scratch image; a
// folder with a Dockerfile is built by the engine itself. An image remembers the sources
// it was built from (a hash in a label), so building unchanged sources again does
// nothing; and a builder keeps its build folder in a volume per project, so a build
// compiles only what changed.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "build/source_tree.h"
#include "engine/client.h"
#include "util/progress.h"

namespace rsm::build {

struct BuildRequest {
  std::filesystem::path project;             // the project's folder
  std::optional<ProjectKind> kind;           // how to build it; nullopt: as the folder says (find_source_tree)
  std::string image;                         // the reference to make, e.g. myapp:1
  std::string target;                        // the CMake target or Go binary; empty: the project folder's name
  std::vector<int> ports;                    // EXPOSE
  std::vector<std::string> variables;        // -e KEY=VALUE: ENV lines of the image
  std::vector<std::string> packages;         // Debian packages the project needs beyond the usual (-dev, golang-...)
  std::vector<std::string> cmake_arguments;  // passed to cmake's configure step, e.g. -DFOO=ON
  bool fresh = false;                        // start from an empty build folder (an uncached build)
};

struct BuildResult {
  std::string image;
  std::string target;
  ProjectKind kind = ProjectKind::CMake;
  size_t binary_bytes = 0;  // the static binary (the image holds nothing else); a Dockerfile's image
  bool unchanged = false;   // the image was built from these very sources already
};

// Builds on the given engine (this machine's). Throws UsageError for a bad request and
// Error, with the compiler's last words, when the build fails.
BuildResult build_image(engine::Client& engine, const BuildRequest& request, Progress& progress);

// Pushes the image to the registry its name starts with. Credentials, when needed, come
// from RSM_REGISTRY_AUTH (the engine's base64 X-Registry-Auth value).
void push_image(engine::Client& engine, const std::string& image, Progress& progress);

}  // namespace rsm::build
