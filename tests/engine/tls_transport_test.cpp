// tcp:// with TLS client certificates (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH) against the
// real engine: socat terminates TLS on 127.0.0.1, insists on a client certificate signed
// by the test's own CA, and forwards to the engine's socket.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "engine/client.h"
#include "support/test_images.h"
#include "support/tls_terminator.h"
#include "util/subprocess.h"

namespace fs = std::filesystem;
using namespace rsm::engine;

namespace {

class TlsTransport : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!rsm::program_exists("socat") || !rsm::program_exists("openssl"))
      GTEST_FAIL() << "the TLS transport test needs socat and openssl (scripts/setup installs them)";
    dir_ = fs::temp_directory_path() / rsm::testing::unique_name("rsm-tls");
    fs::remove_all(dir_);
    rsm::testing::make_test_certificates(dir_);
    // DOCKER_CERT_PATH holds ca.pem, cert.pem and key.pem, as for the docker CLI.
    fs::create_directories(dir_ / "client");
    fs::copy_file(dir_ / "ca.pem", dir_ / "client" / "ca.pem");
    fs::copy_file(dir_ / "client-cert.pem", dir_ / "client" / "cert.pem");
    fs::copy_file(dir_ / "client-key.pem", dir_ / "client" / "key.pem");
    // A stranger trusts the server but shows a certificate of its own making.
    fs::create_directories(dir_ / "stranger");
    fs::copy_file(dir_ / "ca.pem", dir_ / "stranger" / "ca.pem");
    auto stranger =
        rsm::run_process({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                          "-nodes", "-days", "1", "-subj", "/CN=stranger", "-keyout",
                          (dir_ / "stranger" / "key.pem").string(), "-out", (dir_ / "stranger" / "cert.pem").string()});
    ASSERT_EQ(stranger.exit_code, 0) << stranger.output;
    port_ = 23000 + getpid() % 1000;
    socat_ = std::make_unique<rsm::Subprocess>(
        rsm::testing::start_tls_terminator(dir_, port_, "UNIX-CONNECT:/var/run/docker.sock", true));
  }

  void TearDown() override {
    unsetenv("DOCKER_TLS_VERIFY");
    unsetenv("DOCKER_CERT_PATH");
    socat_.reset();
    fs::remove_all(dir_);
  }

  Endpoint endpoint_with(const std::string& cert_folder) {
    setenv("DOCKER_TLS_VERIFY", "1", 1);
    setenv("DOCKER_CERT_PATH", (dir_ / cert_folder).c_str(), 1);
    return Endpoint::parse(fmt::format("tcp://127.0.0.1:{}", port_));
  }

  fs::path dir_;
  int port_ = 0;
  std::unique_ptr<rsm::Subprocess> socat_;
};

}  // namespace

TEST_F(TlsTransport, ReachesTheEngineWithAClientCertificate) {
  Endpoint endpoint = endpoint_with("client");
  ASSERT_TRUE(endpoint.tls);
  Client client(endpoint);
  Client local(Endpoint::from_environment());
  EXPECT_EQ(client.get("/info")["ID"], local.get("/info")["ID"]);
  EXPECT_THROW(client.get("/containers/rsm-no-such-container/json"), EngineError);
}

TEST_F(TlsTransport, IsRefusedWithACertificateTheServerDoesNotTrust) {
  Client client(endpoint_with("stranger"));
  try {
    client.get("/info");
    FAIL() << "expected UnreachableError";
  } catch (const UnreachableError& e) {
    EXPECT_NE(std::string(e.what()).find("tcp://127.0.0.1"), std::string::npos) << e.what();
  }
}
