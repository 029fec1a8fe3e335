// What `rsm build` sends to its builder: the project's files, not its build folders.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "build/source_tree.h"
#include "support/temp_folder.h"
#include "util/error.h"
#include "util/subprocess.h"
#include "util/tar_reader.h"

namespace fs = std::filesystem;
using namespace rsm;
using namespace rsm::build;

namespace {

class SourceTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write("CMakeLists.txt", "project(x)\n");
    write("main.cpp", "int main() {}\n");
    write("lib/part.cpp", "\n");
    write(".hidden/secret", "\n");
    write("out/CMakeCache.txt", "\n");
    write("out/main.o", "\n");
  }
  void write(const std::string& name, const std::string& content) { root_.write(name, content); }

  rsm::testing::TempFolder root_{"rsm-source-tree"};
};

}  // namespace

TEST_F(SourceTreeTest, OutsideGitSendsEveryFileButHiddenOnesAndBuildFolders) {
  auto tree = find_source_tree(root_.path());
  EXPECT_EQ(tree.root, fs::canonical(root_.path()));
  EXPECT_EQ(tree.project, ".");
  EXPECT_EQ(tree.files, (std::vector<std::string>{"CMakeLists.txt", "lib/part.cpp", "main.cpp"}));
}

TEST_F(SourceTreeTest, InGitSendsWhatGitWouldKeep) {
  if (!program_exists("git")) GTEST_SKIP() << "git is not installed";
  write(".gitignore", "out/\n");
  write("app/CMakeLists.txt", "project(app)\n");
  ASSERT_EQ(run_process({"git", "-C", root_.path().string(), "init", "-q"}).exit_code, 0);
  ASSERT_EQ(run_process({"git", "-C", root_.path().string(), "add", "main.cpp"}).exit_code, 0);
  auto tree = find_source_tree(root_ / "app");
  EXPECT_EQ(tree.root, fs::canonical(root_.path()));
  EXPECT_EQ(tree.project, "app");
  EXPECT_EQ(tree.files, (std::vector<std::string>{".gitignore", ".hidden/secret", "CMakeLists.txt",
                                                  "app/CMakeLists.txt", "lib/part.cpp", "main.cpp"}));
}

TEST_F(SourceTreeTest, ArchiveKeepsContentUnderThePrefix) {
  auto files = read_tar(source_archive(find_source_tree(root_.path()), "src/"));
  EXPECT_EQ(files.size(), 3u);
  EXPECT_EQ(files["src/main.cpp"], "int main() {}\n");
}

TEST_F(SourceTreeTest, AFolderWithNothingToBuildIsAUsageError) {
  EXPECT_THROW(find_source_tree(root_ / "lib"), UsageError);
  EXPECT_THROW(find_source_tree(root_ / "nothing-here"), UsageError);
  EXPECT_THROW(find_source_tree(root_.path(), ProjectKind::Go), UsageError) << "no Go here";
}

TEST_F(SourceTreeTest, TheKindIsTheFirstOfDockerfileCMakeAndGo) {
  EXPECT_EQ(find_source_tree(root_.path()).kind, ProjectKind::CMake);
  write("lib/main.go", "package main\n");
  EXPECT_EQ(find_source_tree(root_ / "lib").kind, ProjectKind::Go);
  write("Dockerfile", "FROM scratch\n");
  EXPECT_EQ(find_source_tree(root_.path()).kind, ProjectKind::Dockerfile);
  EXPECT_EQ(find_source_tree(root_.path(), ProjectKind::CMake).kind, ProjectKind::CMake) << "as asked";
  EXPECT_EQ(kind_named("go"), ProjectKind::Go);
  EXPECT_EQ(kind_named("rust"), std::nullopt);
}

TEST_F(SourceTreeTest, TheProjectOnlyTreeIsTheFolderAsADockerfileContext) {
  write("lib/Dockerfile", "FROM scratch\n");
  auto inside = project_only(find_source_tree(root_ / "lib"));
  EXPECT_EQ(inside.root, fs::canonical(root_ / "lib"));
  EXPECT_EQ(inside.files, (std::vector<std::string>{"Dockerfile", "part.cpp"}));
}
