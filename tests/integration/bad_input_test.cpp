// Bad input and faults: one line that says what to do, a non-zero exit code, and nothing
// half-built left behind.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "support/environment_fixture.h"
#include "support/rsm_runner.h"
#include "support/test_images.h"

using namespace rsm;
using namespace rsm::testing;

namespace {

void expect_one_line_error(const ProcessResult& result, int code, const std::string& text) {
  EXPECT_EQ(result.exit_code, code) << result.output;
  EXPECT_NE(result.output.find(text), std::string::npos) << result.output;
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
  EXPECT_EQ(result.output.rfind("rsm: error: ", 0), 0u) << result.output;
}

}  // namespace

TEST(BadInput, InvalidEnvironmentNames) {
  expect_one_line_error(run_rsm({"nodes", "create", "Dev_1", "-m", "1"}), 2, "invalid environment name 'Dev_1'");
  expect_one_line_error(run_rsm({"nodes", "ls", std::string(33, 'a')}), 2, "invalid environment name");
}

TEST(BadInput, UnknownDriverAndFlags) {
  expect_one_line_error(run_rsm({"nodes", "create", "dev", "-m", "1", "-d", "virtualbox"}), 2,
                        "unknown driver 'virtualbox': choose one of local");
  expect_one_line_error(run_rsm({"nodes", "create", "dev", "--frobnicate"}), 2, "--frobnicate");
  expect_one_line_error(run_rsm({"nodes", "create", "dev", "-m", "-1"}), 2, "-m");
  expect_one_line_error(run_rsm({"nodes", "teleport", "dev"}), 2, "subcommand is required");
}

TEST(BadInput, NothingToCreate) {
  std::string env = unique_name("bad-empty");
  expect_one_line_error(run_rsm({"nodes", "create", env, "-m", "0", "-w", "0"}), 2, "nothing to create");
  expect_one_line_error(run_rsm({"nodes", "create", env, "-w", "2"}), 2, "has no manager yet");
  // Listing it says so in both forms (JSON too: an empty list would hide a mistyped name).
  expect_one_line_error(run_rsm({"nodes", "ls", env}), 2, "has no nodes");
  expect_one_line_error(run_rsm({"nodes", "ls", env, "--json"}), 2, "has no nodes");
  for (const char* command : {"stop", "start", "env", "promote"})
    expect_one_line_error(run_rsm({"nodes", command, env}), 2, fmt::format("environment {} has no nodes", env));
  engine::Client host(engine::Endpoint::from_environment());
  EXPECT_TRUE(leftovers(host, env).empty());
}

TEST(BadInput, NoDockerEngine) {
  expect_one_line_error(run_rsm({"nodes", "ls", "dev"}, {{"DOCKER_HOST", "unix:///nonexistent/docker.sock"}}), 1,
                        "no Docker engine at unix:///nonexistent/docker.sock");
  expect_one_line_error(run_rsm({"env", "ls"}, {{"DOCKER_HOST", "bogus://x"}}), 2, "unsupported DOCKER_HOST");
}

TEST(BadInput, NoPermissionOnTheEngineSocket) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root, to run rsm as the user nobody";
  // A copy in /tmp, so that the folders above the build tree need not be open to nobody.
  auto copy = std::filesystem::temp_directory_path() / unique_name("rsm-as-nobody");
  std::filesystem::copy_file(RSM_BINARY, copy, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::permissions(
      copy, std::filesystem::perms::all & ~std::filesystem::perms::group_write & ~std::filesystem::perms::others_write);
  auto result =
      run_process({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", copy.string(), "env", "ls"});
  std::filesystem::remove(copy);
  expect_one_line_error(result, 1, "no permission on unix:///var/run/docker.sock");
}

TEST(BadInput, RemoveAsksBeforeDeletingAndRefusesWithoutATerminal) {
  std::string env = unique_name("bad-rm");
  auto created = run_rsm({"nodes", "create", env, "-m", "1"});
  ASSERT_EQ(created.exit_code, 0) << created.output;
  auto refused = run_rsm({"nodes", "rm", env});
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("add -f"), std::string::npos) << refused.output;
  engine::Client host(engine::Endpoint::from_environment());
  EXPECT_FALSE(leftovers(host, env).empty()) << "nothing may be removed without confirmation";
  remove_environment(env);
  EXPECT_TRUE(leftovers(host, env).empty());
}

TEST(BadInput, ANodeThatFailsToStartIsRemovedWithEverythingMadeForIt) {
  // An image whose entrypoint exits at once stands in for a node whose engine dies.
  engine::Client host(engine::Endpoint::from_environment());
  ensure_busybox_image(host);
  std::string env = unique_name("bad-start");
  auto failed = run_rsm({"nodes", "create", env, "-m", "1", "-w", "1"}, {{"RSM_NODE_IMAGE", kBusyboxImage}});
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  EXPECT_NE(failed.output.find("stopped while starting"), std::string::npos) << failed.output;
  auto left = leftovers(host, env);
  EXPECT_TRUE(left.empty()) << left.size() << " left, first: " << (left.empty() ? "" : left[0]);
  remove_environment(env);
}
