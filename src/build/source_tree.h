// The files of a project to build, as sent to the builder container: what git tracks
// (plus untracked files it does not ignore) when the project is in a git work tree, so
// build folders and other clutter stay home; else every file that is not hidden and not
// in a build folder (one with a CMakeCache.txt). And what kind of project it is, which
// says how it becomes an image.
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rsm::build {

enum class ProjectKind {
  Dockerfile,  // built by the engine (POST /build), the folder as the context
  CMake,       // C++, compiled static in rsm's builder
  Go,          // compiled static (CGO_ENABLED=0) in rsm's Go builder
};

// Every kind, in the order a folder is tried for them.
inline constexpr std::array kProjectKinds{ProjectKind::Dockerfile, ProjectKind::CMake, ProjectKind::Go};

// "dockerfile", "cmake", "go"; and back (nullopt for another word).
std::string_view kind_name(ProjectKind kind);
std::optional<ProjectKind> kind_named(std::string_view name);

struct SourceTree {
  std::filesystem::path root;      // what is sent: the git work tree, or the project itself
  std::filesystem::path project;   // the project, relative to root ("." for root)
  std::vector<std::string> files;  // relative to root, sorted
  ProjectKind kind = ProjectKind::CMake;

  std::filesystem::path folder() const { return std::filesystem::weakly_canonical(root / project); }
};

// The project in that folder: of the given kind, or, without one, the first the folder
// has of a Dockerfile, a CMakeLists.txt, a go.mod or *.go files. UsageError when it is no
// folder or holds none of these.
SourceTree find_source_tree(const std::filesystem::path& project, std::optional<ProjectKind> kind = std::nullopt);

// The same files seen from the project's folder, those outside it left out: a Dockerfile's
// build context.
SourceTree project_only(const SourceTree& tree);

// A hash of every file's name, mode and content: equal hashes, equal sources.
std::string source_hash(const SourceTree& tree);

// The files as a tar archive, each path under prefix ("src/"), with their modes and
// modification times (so that the builder's cached build compiles only what changed).
std::string source_archive(const SourceTree& tree, const std::string& prefix);

}  // namespace rsm::build
