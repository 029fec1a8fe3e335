// Asks git which files the project has (tracked, plus untracked and not ignored), or walks
// the folder where there is no git, and packs them into the tar the builder receives.
#include "build/source_tree.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "util/content_hash.h"
#include "util/error.h"
#include "util/subprocess.h"
#include "util/tar_writer.h"

namespace rsm::build {

namespace fs = std::filesystem;

namespace {

// The git work tree holding folder, if git is here and there is one.
std::optional<fs::path> git_root(const fs::path& folder) {
  if (!program_exists("git")) return std::nullopt;
  auto result = run_process({"git", "-C", folder.string(), "rev-parse", "--show-toplevel"});
  if (result.exit_code != 0) return std::nullopt;
  std::string root = result.output;
  while (!root.empty() && (root.back() == '\n' || root.back() == '\r')) root.pop_back();
  return fs::path(root);
}

std::vector<std::string> git_files(const fs::path& root) {
  auto result =
      run_process({"git", "-C", root.string(), "ls-files", "-z", "--cached", "--others", "--exclude-standard"});
  if (result.exit_code != 0) throw Error(fmt::format("git ls-files in {} failed: {}", root.string(), result.output));
  std::vector<std::string> files;
  std::istringstream names(result.output);
  for (std::string name; std::getline(names, name, '\0');)
    if (fs::is_regular_file(root / name)) files.push_back(name);  // deleted but still tracked: skip
  return files;
}

std::vector<std::string> walked_files(const fs::path& root) {
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    const fs::path& path = it->path();
    bool hidden = path.filename().string().starts_with(".");
    if (it->is_directory() && (hidden || fs::exists(path / "CMakeCache.txt"))) {
      it.disable_recursion_pending();
    } else if (it->is_regular_file() && !hidden) {
      files.push_back(fs::relative(path, root).string());
    }
  }
  return files;
}

std::string read_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(fmt::format("cannot read {}", path.string()));
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

}  // namespace

std::string_view kind_name(ProjectKind kind) {
  switch (kind) {
    case ProjectKind::Dockerfile:
      return "dockerfile";
    case ProjectKind::CMake:
      return "cmake";
    case ProjectKind::Go:
      return "go";
  }
  return "cmake";
}

std::optional<ProjectKind> kind_named(std::string_view name) {
  for (auto kind : kProjectKinds)
    if (kind_name(kind) == name) return kind;
  return std::nullopt;
}

namespace {

bool has_go_files(const fs::path& folder) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec))
    if (entry.path().extension() == ".go") return true;
  return false;
}

// Whether the folder holds a project of that kind.
bool holds(const fs::path& folder, ProjectKind kind) {
  switch (kind) {
    case ProjectKind::Dockerfile:
      return fs::exists(folder / "Dockerfile");
    case ProjectKind::CMake:
      return fs::exists(folder / "CMakeLists.txt");
    case ProjectKind::Go:
      return fs::exists(folder / "go.mod") || has_go_files(folder);
  }
  return false;
}

constexpr std::string_view kWhatABuildTakes = "a folder with a Dockerfile, a CMakeLists.txt, or a Go package";

}  // namespace

SourceTree find_source_tree(const fs::path& project, std::optional<ProjectKind> kind) {
  std::error_code ec;
  fs::path folder = fs::canonical(project, ec);
  if (ec || !fs::is_directory(folder))
    throw UsageError(fmt::format("{} is not a folder: give {}", project.string(), kWhatABuildTakes));
  if (kind && !holds(folder, *kind))
    throw UsageError(fmt::format("{} holds no {} project: leave out --kind, or give {}", project.string(),
                                 kind_name(*kind), kWhatABuildTakes));
  if (!kind)
    for (auto candidate : kProjectKinds)
      if (!kind && holds(folder, candidate)) kind = candidate;
  if (!kind) throw UsageError(fmt::format("{} holds nothing rsm builds: give {}", project.string(), kWhatABuildTakes));
  SourceTree tree;
  tree.kind = *kind;
  auto root = git_root(folder);
  tree.root = root ? fs::canonical(*root) : folder;
  tree.project = fs::relative(folder, tree.root);
  tree.files = root ? git_files(tree.root) : walked_files(tree.root);
  std::sort(tree.files.begin(), tree.files.end());
  return tree;
}

SourceTree project_only(const SourceTree& tree) {
  SourceTree inside{.root = tree.folder(), .project = ".", .files = {}, .kind = tree.kind};
  std::string prefix = tree.project == "." ? "" : tree.project.string() + "/";
  for (const auto& name : tree.files)
    if (name.starts_with(prefix)) inside.files.push_back(name.substr(prefix.size()));
  return inside;
}

std::string source_hash(const SourceTree& tree) {
  std::string all;
  for (const auto& name : tree.files) {
    fs::path path = tree.root / name;
    all += fmt::format("{}\n{:o}\n{}\n{}\n", name, static_cast<int>(fs::status(path).permissions()),
                       fs::file_size(path), content_hash({read_file(path)}));
  }
  return content_hash({all});
}

std::string source_archive(const SourceTree& tree, const std::string& prefix) {
  TarWriter archive;
  for (const auto& name : tree.files) {
    fs::path path = tree.root / name;
    struct stat info {};
    if (stat(path.c_str(), &info) != 0) throw Error(fmt::format("cannot read {}", path.string()));
    archive.add_file(prefix + name, read_file(path), static_cast<int>(info.st_mode & 07777), info.st_mtime);
  }
  return archive.finish();
}

}  // namespace rsm::build
