// rsm where a user types, in real terminals driven by tmux: shell completion (bash and
// zsh complete `rsm app logs ENV <TAB>` with the app's name asked of the swarm, commands
// and flags from the command tree) and `rsm app exec` (a terminal of the task's own, its
// size and Ctrl-C passed on; without a terminal, stdin, stdout, stderr and the exit code).
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

class Terminal : public EnvironmentTest {
 protected:
  void SetUp() override {
    if (!program_exists("tmux") || !program_exists("zsh"))
      GTEST_FAIL() << "the terminal tests need tmux and zsh (scripts/setup installs them)";
    make_environment("terminal", 1, 0);
    engine::Client host(engine::Endpoint::from_environment());
    auto deployed = run_rsm({"app", "deploy", env_, "webshop", ensure_web_image(host, "1"), "-r", "1"});
    ASSERT_EQ(deployed.exit_code, 0) << deployed.output;
  }
  void TearDown() override {
    for (const auto& socket : sockets_) run_process({"tmux", "-L", socket, "kill-server"});
    EnvironmentTest::TearDown();
  }

  // Starts argv in a terminal of 200x40 under a tmux server of its own (a server being
  // killed may still hold a name), with rsm first in PATH; returns the server's socket.
  std::string start_in_tmux(const std::vector<std::string>& argv) {
    std::string folder = std::filesystem::path(RSM_BINARY).parent_path().string();
    std::string socket = fmt::format("rsm-terminal-{}-{}", getpid(), sockets_.size());
    sockets_.push_back(socket);
    std::vector<std::string> command{"tmux",
                                     "-L",
                                     socket,
                                     "new-session",
                                     "-d",
                                     "-x",
                                     "200",
                                     "-y",
                                     "40",
                                     "-s",
                                     "t",
                                     "env",
                                     "PATH=" + folder + ":/usr/sbin:/usr/bin:/sbin:/bin",
                                     "TERM=xterm"};
    command.insert(command.end(), argv.begin(), argv.end());
    auto started = run_process(command);
    EXPECT_EQ(started.exit_code, 0) << started.output;
    return socket;
  }

  static void type(const std::string& socket, const std::vector<std::string>& keys) {
    std::vector<std::string> command{"tmux", "-L", socket, "send-keys", "-t", "t"};
    command.insert(command.end(), keys.begin(), keys.end());
    run_process(command);
  }

  // The screen once it shows `expected` (10 s at most); a failure naming `what` otherwise.
  static std::string wait_for_screen(const std::string& socket, const std::string& expected, const std::string& what) {
    std::string screen;
    try {
      poll_until(
          std::chrono::seconds(10), std::chrono::milliseconds(200), [&] { return "the screen:\n" + screen; },
          [&] {
            screen = run_process({"tmux", "-L", socket, "capture-pane", "-p", "-t", "t"}).output;
            return screen.find(expected) != std::string::npos;
          });
    } catch (const std::exception& e) {
      ADD_FAILURE() << what << ": " << e.what();
    }
    return screen;
  }

  // Starts the shell, runs the setup lines, types `typed` and a Tab, and returns the
  // screen once it shows `expected`.
  std::string complete_in(const std::string& shell, const std::vector<std::string>& setup, const std::string& typed,
                          const std::string& expected) {
    std::string socket = start_in_tmux({shell});
    for (const auto& line : setup) type(socket, {line, "Enter"});
    type(socket, {typed, "Tab"});
    return wait_for_screen(socket, expected, shell);
  }

  std::vector<std::string> sockets_;
};

}  // namespace

TEST_F(Terminal, BashAndZshCompleteAppNamesCommandsAndFlags) {
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

TEST_F(Terminal, AppExecGivesTheCommandATerminalOfItsSizeAndPassesCtrlC) {
  // The shell's exit code becomes rsm's, printed after the shell is gone.
  std::string socket =
      start_in_tmux({"sh", "-c", fmt::format("rsm app exec {} webshop -- sh; echo rsm-said-$?; sleep 60", env_)});
  type(socket, {"echo $((6*7)); tty; stty size", "Enter"});
  auto screen = wait_for_screen(socket, "40 200", "the size of the task's terminal");
  EXPECT_NE(screen.find("\n42"), std::string::npos) << screen;
  EXPECT_NE(screen.find("/dev/pts/"), std::string::npos) << screen;
  type(socket, {"sleep 100", "Enter"});
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  type(socket, {"C-c"});
  type(socket, {"echo back-$((1+1))", "Enter"});
  wait_for_screen(socket, "back-2", "Ctrl-C reaching the task's sleep, not rsm");
  type(socket, {"exit 5", "Enter"});
  wait_for_screen(socket, "rsm-said-5", "the shell's exit code");
}

TEST_F(Terminal, AppExecWithoutATerminalPassesStdinOutputAndExitCode) {
  std::string rsm = RSM_BINARY;
  auto piped =
      run_process({"sh", "-c", fmt::format("printf 'one\\ntwo\\n' | {} app exec {} webshop -- wc -l", rsm, env_)});
  EXPECT_EQ(piped.exit_code, 0) << piped.output;
  EXPECT_EQ(piped.output, "2\n") << "the end of rsm's stdin ends the command's";

  auto streams = run_process(
      {"sh", "-c",
       fmt::format("{} app exec {} webshop -- sh -c 'echo out; echo err >&2; exit 3' 2>/dev/null", rsm, env_)});
  EXPECT_EQ(streams.exit_code, 3);
  EXPECT_EQ(streams.output, "out\n") << "stderr stays stderr";

  auto big =
      run_process({"sh", "-c", fmt::format("head -c 1000000 /dev/zero | {} app exec {} webshop -- wc -c", rsm, env_)});
  EXPECT_EQ(big.output, "1000000\n");

  auto on_node = run_rsm({"app", "exec", env_, "webshop", "--node", node("manager", 1), "--", "true"});
  EXPECT_EQ(on_node.exit_code, 0) << on_node.output;
  auto missing = run_rsm({"app", "exec", env_, "webshop", "--", "nosuch"});
  EXPECT_EQ(missing.exit_code, 126);
  EXPECT_NE(missing.output.find("executable file not found"), std::string::npos) << missing.output;
  auto elsewhere = run_rsm({"app", "exec", env_, "webshop", "--node", "nowhere", "--", "true"});
  EXPECT_EQ(elsewhere.exit_code, 1);
  EXPECT_EQ(elsewhere.output,
            fmt::format("rsm: error: webshop has no running task on nowhere; see `rsm app ps {} webshop`\n", env_));
  EXPECT_EQ(run_rsm({"app", "exec", env_, "nobody", "--", "true"}).exit_code, 2);
}
