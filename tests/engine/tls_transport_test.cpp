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
#include "util/subprocess.h"

namespace fs = std::filesystem;
using namespace rsm::engine;

namespace {

void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = rsm::run_process(argv);
  ASSERT_EQ(result.exit_code, 0) << result.output;
}

// A CA, and a certificate it signs for `name` with the given extensions, in dir.
void make_certificate(const fs::path& dir, const std::string& name, const std::string& extensions) {
  std::ofstream(dir / (name + ".ext")) << extensions << "\n";
  openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
           "/CN=" + name, "-keyout", (dir / (name + "-key.pem")).string(), "-out", (dir / (name + ".csr")).string()});
  openssl({"x509", "-req", "-in", (dir / (name + ".csr")).string(), "-CA", (dir / "ca.pem").string(), "-CAkey",
           (dir / "ca-key.pem").string(), "-CAcreateserial", "-days", "1", "-extfile", (dir / (name + ".ext")).string(),
           "-out", (dir / (name + "-cert.pem")).string()});
}

class TlsTransport : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!rsm::program_exists("socat") || !rsm::program_exists("openssl"))
      GTEST_FAIL() << "the TLS transport test needs socat and openssl (scripts/setup installs them)";
    dir_ = fs::temp_directory_path() / rsm::testing::unique_name("rsm-tls");
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "client");
    fs::create_directories(dir_ / "stranger");
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
             "-subj", "/CN=rsm-test-ca", "-keyout", (dir_ / "ca-key.pem").string(), "-out", (dir_ / "ca.pem").string()});
    make_certificate(dir_, "server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth");
    make_certificate(dir_, "client", "extendedKeyUsage=clientAuth");
    // DOCKER_CERT_PATH holds ca.pem, cert.pem and key.pem, as for the docker CLI.
    fs::copy_file(dir_ / "ca.pem", dir_ / "client" / "ca.pem");
    fs::copy_file(dir_ / "client-cert.pem", dir_ / "client" / "cert.pem");
    fs::copy_file(dir_ / "client-key.pem", dir_ / "client" / "key.pem");
    // A stranger trusts the server but has a certificate of its own making.
    fs::copy_file(dir_ / "ca.pem", dir_ / "stranger" / "ca.pem");
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
             "-subj", "/CN=stranger", "-keyout", (dir_ / "stranger" / "key.pem").string(), "-out",
             (dir_ / "stranger" / "cert.pem").string()});

    port_ = 23000 + getpid() % 1000;
    socat_ = std::make_unique<rsm::Subprocess>(rsm::Subprocess::spawn(
        {"socat",
         fmt::format("OPENSSL-LISTEN:{},bind=127.0.0.1,reuseaddr,fork,cert={},key={},cafile={},verify=1", port_,
                     (dir_ / "server-cert.pem").string(), (dir_ / "server-key.pem").string(), (dir_ / "ca.pem").string()),
         "UNIX-CONNECT:/var/run/docker.sock"}));
    for (int i = 0; i < 100; ++i) {
      if (rsm::run_process({"bash", "-c", fmt::format("exec 3<>/dev/tcp/127.0.0.1/{}", port_)}).exit_code == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
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
