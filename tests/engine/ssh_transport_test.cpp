// The ssh:// transport against a real sshd started for the test on 127.0.0.1, with keys
// made for it: the engine is reached the docker CLI's way (`docker system dial-stdio`).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "engine/client.h"
#include "support/test_images.h"
#include "util/subprocess.h"

namespace fs = std::filesystem;
using namespace rsm::engine;

namespace {

class SshTransport : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!rsm::program_exists("ssh-keygen") || !fs::exists("/usr/sbin/sshd"))
      GTEST_FAIL() << "the ssh transport test needs openssh-server and openssh-client (scripts/setup installs them)";
    dir_ = fs::temp_directory_path() / rsm::testing::unique_name("rsm-sshd");
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::create_directories("/run/sshd");
    for (auto key : {"host_key", "client_key"})
      ASSERT_EQ(
          rsm::run_process({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", (dir_ / key).string()}).exit_code, 0);
    fs::copy_file(dir_ / "client_key.pub", dir_ / "authorized_keys");
    port_ = 22000 + getpid() % 1000;
    std::ofstream(dir_ / "sshd_config") << fmt::format(
        "ListenAddress 127.0.0.1:{}\nHostKey {}\nAuthorizedKeysFile {}\nPermitRootLogin prohibit-password\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPidFile none\n"
        "SetEnv PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin\n",
        port_, (dir_ / "host_key").string(), (dir_ / "authorized_keys").string());
    std::ofstream(dir_ / "ssh_config") << fmt::format(
        "Host *\n  IdentityFile {}\n  IdentitiesOnly yes\n  StrictHostKeyChecking no\n"
        "  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n",
        (dir_ / "client_key").string());
    sshd_ = std::make_unique<rsm::Subprocess>(
        rsm::Subprocess::spawn({"/usr/sbin/sshd", "-D", "-e", "-f", (dir_ / "sshd_config").string()}));
    setenv("RSM_SSH_CONFIG", (dir_ / "ssh_config").c_str(), 1);
    // sshd listens within moments; wait for it rather than racing it.
    for (int i = 0; i < 100; ++i) {
      if (rsm::run_process(
              {"ssh", "-F", (dir_ / "ssh_config").string(), "-p", std::to_string(port_), "root@127.0.0.1", "true"})
              .exit_code == 0)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    GTEST_FAIL() << "sshd did not accept the test key";
  }

  void TearDown() override {
    unsetenv("RSM_SSH_CONFIG");
    sshd_.reset();
    fs::remove_all(dir_);
  }

  fs::path dir_;
  int port_ = 0;
  std::unique_ptr<rsm::Subprocess> sshd_;
};

}  // namespace

TEST_F(SshTransport, ReachesTheEngineThroughDialStdio) {
  Client client(Endpoint::parse(fmt::format("ssh://root@127.0.0.1:{}", port_)));
  Client local(Endpoint::from_environment());
  EXPECT_EQ(client.get("/info")["ID"], local.get("/info")["ID"]);
  // Several requests, a stream and an error over the same transport.
  EXPECT_TRUE(client.ping());
  EXPECT_THROW(client.get("/containers/rsm-no-such-container/json"), EngineError);
  rsm::testing::ensure_busybox_image(local);
  int chunks = 0;
  client.checked(Method::Get, std::string("/images/") + rsm::testing::kBusyboxImage + "/get",
                 {.sink = [&](std::string_view) { ++chunks; }});
  EXPECT_GT(chunks, 1);
}

TEST_F(SshTransport, ReportsWhatSshSaidWhenItCannotConnect) {
  Client client(Endpoint::parse(fmt::format("ssh://nobody-here@127.0.0.1:{}", port_)));
  try {
    client.get("/info");
    FAIL() << "expected UnreachableError";
  } catch (const UnreachableError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("ssh://nobody-here@127.0.0.1"), std::string::npos) << message;
    EXPECT_NE(message.find("Permission denied"), std::string::npos) << message;
  }
}
