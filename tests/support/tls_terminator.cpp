#include "support/tls_terminator.h"

#include <chrono>
#include <fstream>
#include <thread>
#include <vector>

#include "util/error.h"

namespace rsm::testing {

namespace fs = std::filesystem;

namespace {

void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = run_process(argv);
  if (result.exit_code != 0) throw Error("openssl failed: " + result.output);
}

void signed_certificate(const fs::path& dir, const std::string& name, const std::string& extensions) {
  std::ofstream(dir / (name + ".ext")) << extensions << "\n";
  openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=" + name,
           "-keyout", (dir / (name + "-key.pem")).string(), "-out", (dir / (name + ".csr")).string()});
  openssl({"x509", "-req", "-in", (dir / (name + ".csr")).string(), "-CA", (dir / "ca.pem").string(), "-CAkey",
           (dir / "ca-key.pem").string(), "-CAcreateserial", "-days", "1", "-extfile", (dir / (name + ".ext")).string(),
           "-out", (dir / (name + "-cert.pem")).string()});
}

}  // namespace

void make_test_certificates(const fs::path& dir) {
  fs::create_directories(dir);
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
           "/CN=rsm-test-ca", "-keyout", (dir / "ca-key.pem").string(), "-out", (dir / "ca.pem").string()});
  signed_certificate(dir, "server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth");
  signed_certificate(dir, "client", "extendedKeyUsage=clientAuth");
}

Subprocess start_tls_terminator(const fs::path& dir, int port, const std::string& target,
                                bool require_client_certificate) {
  std::string listen = "OPENSSL-LISTEN:" + std::to_string(port) +
                       ",bind=127.0.0.1,reuseaddr,fork,cert=" + (dir / "server-cert.pem").string() +
                       ",key=" + (dir / "server-key.pem").string();
  listen += require_client_certificate ? ",cafile=" + (dir / "ca.pem").string() + ",verify=1" : ",verify=0";
  auto socat = Subprocess::spawn({"socat", listen, target});
  for (int i = 0; i < 100; ++i) {
    if (run_process({"bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(port)}).exit_code == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return socat;
}

}  // namespace rsm::testing
