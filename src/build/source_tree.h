// The files of a project to build, as sent to the builder container: what git tracks
// (plus untracked files it does not ignore) when the project is in a git work tree, so
// build folders and other clutter stay home; else every file that is not hidden and not
// in a build folder (one with a CMakeCache.txt).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace rsm::build {

struct SourceTree {
  std::filesystem::path root;      // what is sent: the git work tree, or the project itself
  std::filesystem::path project;   // the CMake project, relative to root ("." for root)
  std::vector<std::string> files;  // relative to root, sorted

  std::filesystem::path folder() const { return std::filesystem::weakly_canonical(root / project); }
};

// Throws UsageError when project is not a folder with a CMakeLists.txt.
SourceTree find_source_tree(const std::filesystem::path& project);

// A hash of every file's name, mode and content: equal hashes, equal sources.
std::string source_hash(const SourceTree& tree);

// The files as a tar archive, each path under prefix ("src/"), with their modes and
// modification times (so that the builder's cached build compiles only what changed).
std::string source_archive(const SourceTree& tree, const std::string& prefix);

}  // namespace rsm::build
