// Shell completion in real shells: `rsm completion bash|zsh` loaded into bash and zsh run
// by tmux, where `rsm app logs ENV <TAB>` completes the app's name asked of the swarm,
// and commands and flags complete from the command tree.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "support/environment_fixture.h"
#include "support/rsm_runner.h"
#include "support/test_images.h"
#include "util/poll.h"
#include "util/subprocess.h"

using namespace rsm;
using namespace rsm::testing;

namespace {

class Completion : public EnvironmentTest {
 protected:
  void SetUp() override {
    if (!program_exists("tmux") || !program_exists("zsh"))
      GTEST_FAIL() << "the completion test needs tmux and zsh (scripts/setup installs them)";
    make_environment("complete", 1, 0);
    engine::Client host(engine::Endpoint::from_environment());
    auto deployed = run_rsm({"app", "deploy", env_, "webshop", ensure_web_image(host, "1"), "-r", "1"});
    ASSERT_EQ(deployed.exit_code, 0) << deployed.output;
  }
  void TearDown() override {
    for (const auto& socket : sockets_) run_process({"tmux", "-L", socket, "kill-server"});
    EnvironmentTest::TearDown();
  }

  // Starts the shell in tmux, runs the setup lines, types `typed` and a Tab, and returns
  // the screen once it shows `expected` (10 s at most).
  std::string complete_in(const std::string& shell, const std::vector<std::string>& setup, const std::string& typed,
                          const std::string& expected) {
    std::string folder = std::filesystem::path(RSM_BINARY).parent_path().string();
    // A tmux server of its own for each shell: a server being killed may still hold a name.
    std::string socket = fmt::format("rsm-completion-{}-{}", getpid(), sockets_.size());
    sockets_.push_back(socket);
    auto started = run_process({"tmux", "-L", socket, "new-session", "-d", "-x", "200", "-y", "40", "-s", "t", "env",
                                "PATH=" + folder + ":/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", shell});
    EXPECT_EQ(started.exit_code, 0) << started.output;
    for (const auto& line : setup) run_process({"tmux", "-L", socket, "send-keys", "-t", "t", line, "Enter"});
    run_process({"tmux", "-L", socket, "send-keys", "-t", "t", typed, "Tab"});
    std::string screen;
    try {
      poll_until(
          std::chrono::seconds(10), std::chrono::milliseconds(200), [&] { return "the screen:\n" + screen; },
          [&] {
            screen = run_process({"tmux", "-L", socket, "capture-pane", "-p", "-t", "t"}).output;
            return screen.find(expected) != std::string::npos;
          });
    } catch (const std::exception& e) {
      ADD_FAILURE() << shell << ": " << e.what();
    }
    return screen;
  }

  std::vector<std::string> sockets_;
};

}  // namespace

TEST_F(Completion, BashAndZshCompleteAppNamesCommandsAndFlags) {
  auto names = run_rsm({"__complete", "app", "logs", env_, "web"});
  EXPECT_EQ(names.output, "webshop\n");
  EXPECT_EQ(run_rsm({"__complete", "app", "lo"}).output, "logs\n");
  EXPECT_EQ(run_rsm({"__complete", "app", "logs", "--ta"}).output, "--tail\n");
  EXPECT_EQ(run_rsm({"completion", "tcsh"}).exit_code, 2);

  std::string line = fmt::format("rsm app logs {} ", env_);
  complete_in("bash", {"source <(rsm completion bash)"}, line, line + "webshop");
  complete_in("zsh", {"autoload -U compinit && compinit -u", "source <(rsm completion zsh)"}, line, line + "webshop");
  complete_in("bash", {"source <(rsm completion bash)"}, "rsm sta", "rsm status");
  auto fish = run_rsm({"completion", "fish"});
  EXPECT_NE(fish.output.find("complete -c rsm"), std::string::npos) << fish.output;
}
