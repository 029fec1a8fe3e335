// rsm-acme: the program of the rsm-acme service (proxy/acme_service.h). For each order of
// its config (proxy/acme_orders.h) it keeps a certificate: when the app has none for its
// hosts, or a third of its certificate's life is left, it runs Debian's lego against the
// ACME server, answering the HTTP-01 challenge on port 8402 (every node's edge proxy sends
// /.well-known/acme-challenge/ there), stores the certificate as the app's secret, hands
// it to rsm-edge-certs (which writes it on every node and reloads the proxies, with no
// connection dropped) and removes the app's older ones. It talks to the swarm through
// the socket of the manager it runs on. Then it sleeps until the next renewal is due.
//
//   rsm-acme run      keep the certificates, until stopped
//   rsm-acme status   print the last result of each order (JSON): what `rsm` waits on
#include <openssl/evp.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "acme/engine_socket.h"
#include "proxy/acme_orders.h"
#include "proxy/certificate.h"
#include "swarm/labels.h"
#include "util/subprocess.h"

namespace {

using namespace rsm;
using nlohmann::json;
namespace fs = std::filesystem;

constexpr std::time_t kRetryAfterFailure = 600;
// The other nodes' proxies reach a new task over the swarm's network only once its
// address has spread there, a few seconds after it starts: the ACME server's validation
// must not come sooner.
constexpr std::time_t kNetworkSettles = 6;
constexpr std::time_t kLongestSleep = 12 * 3600;

fs::path state(const std::string& name) { return fs::path(proxy::kAcmeStateFolder) / name; }

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string base64(const std::string& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                               reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(length));
  return out;
}

std::string joined(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return fmt::format("{}", fmt::join(names, ","));
}

// The app's certificate secrets, newest first (by the engine's creation time).
std::vector<json> app_secrets(const std::string& env, const std::string& app) {
  json labels = {{swarm::kEnvLabel, env},
                 {swarm::kComponentLabel, proxy::kCertificateComponent},
                 {proxy::kCertificateAppLabel, app}};
  std::vector<json> secrets;
  for (const auto& secret : acme::engine_checked("GET", "/secrets" + acme::label_filter(labels)))
    secrets.push_back(secret);
  std::sort(secrets.begin(), secrets.end(),
            [](const json& a, const json& b) { return a.value("CreatedAt", "") > b.value("CreatedAt", ""); });
  return secrets;
}

std::string label(const json& secret, const char* key) {
  const json& labels = secret["Spec"]["Labels"];
  return labels.is_object() ? labels.value(key, "") : "";
}

// When the app's newest certificate for exactly these hosts is due for renewal; 0 when
// there is none.
std::time_t renewal_due(const std::vector<json>& secrets, const proxy::AcmeOrder& order) {
  if (secrets.empty() || label(secrets.front(), proxy::kCertificateNamesLabel) != joined(order.hosts)) return 0;
  return proxy::renewal_time(proxy::parse_utc_time(label(secrets.front(), proxy::kCertificateIssuedLabel)),
                             proxy::parse_utc_time(label(secrets.front(), proxy::kCertificateExpiryLabel)));
}

// lego's reason, in one line: its last line that says what the server or it refused.
std::string lego_failure(const std::string& output) {
  std::istringstream lines(output);
  std::string line, reason;
  while (std::getline(lines, line)) {
    auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos) continue;
    line = line.substr(start);
    // lego's log lines begin "2026/12/03 01:28:40 ".
    if (line.size() > 20 && line[4] == '/' && line[7] == '/' && line[13] == ':') line = line.substr(20);
    if (reason.empty() || line.find("error") != std::string::npos) reason = line;
  }
  return reason.empty() ? "lego failed without a word" : reason;
}

proxy::Certificate obtain(const proxy::AcmeOrders& orders, const proxy::AcmeOrder& order) {
  std::vector<std::string> argv{"/usr/bin/lego",  "--accept-tos", "--server",
                                orders.directory, "--path",       proxy::kAcmeStateFolder,
                                "--http",         "--http.port",  fmt::format(":{}", proxy::kChallengePort),
                                "--key-type",     "ec256"};
  if (!orders.email.empty()) argv.insert(argv.end(), {"--email", orders.email});
  for (const auto& host : order.hosts) argv.insert(argv.end(), {"--domains", host});
  argv.push_back("run");
  auto result = run_process(argv);
  std::fputs(result.output.c_str(), stdout);
  if (result.exit_code != 0) throw std::runtime_error(lego_failure(result.output));
  // lego names the files after the first host, a wildcard's '*' written '_'.
  std::string file = order.hosts.front();
  if (file[0] == '*') file[0] = '_';
  fs::path folder = state("certificates");
  return proxy::check_certificate(read_file(folder / (file + ".crt")), read_file(folder / (file + ".key")), order.hosts,
                                  "the ACME server's certificate");
}

// The app's newest secret into rsm-edge-certs in place of its older ones, unless the
// service mounts it already (or does not run: before the app's first certificate, rsm
// makes it); rsm may update the service at the same moment, so a refused update is made
// again on what it left. Then the older secrets go.
void hand_out(const std::vector<json>& secrets) {
  const json& newest = secrets.front();
  for (int attempt = 1;; ++attempt) {
    auto service = acme::engine_call("GET", std::string("/services/") + proxy::kCertificatesService);
    if (service.status == 404) break;
    if (service.status != 200) throw std::runtime_error("cannot read the service rsm-edge-certs");
    json spec = service.body["Spec"];
    json& mounted = spec["TaskTemplate"]["ContainerSpec"]["Secrets"];
    if (!mounted.is_array()) mounted = json::array();
    auto is_app_secret = [&](const json& entry) {
      return std::any_of(secrets.begin(), secrets.end(),
                         [&](const json& secret) { return entry.value("SecretID", "") == secret.value("ID", ""); });
    };
    json kept = json::array();
    for (const auto& entry : mounted)
      if (!is_app_secret(entry)) kept.push_back(entry);
    std::string name = newest["Spec"]["Name"];
    kept.push_back({{"File", {{"Name", name}, {"UID", "0"}, {"GID", "0"}, {"Mode", 0400}}},
                    {"SecretID", newest["ID"]},
                    {"SecretName", name}});
    if (kept.size() == mounted.size() && std::all_of(mounted.begin(), mounted.end(), [&](const json& entry) {
          return !is_app_secret(entry) || entry.value("SecretID", "") == newest.value("ID", "");
        }))
      break;  // handed out already
    mounted = kept;
    auto updated =
        acme::engine_call("POST",
                          fmt::format("/services/{}/update?version={}", service.body["ID"].get<std::string>(),
                                      service.body["Version"]["Index"].get<long>()),
                          spec);
    if (updated.status == 200) break;
    if (attempt == 3) throw std::runtime_error("cannot update rsm-edge-certs: " + updated.body.dump());
    sleep(1);
  }
  for (size_t i = 1; i < secrets.size(); ++i)
    acme::engine_call("DELETE", "/secrets/" + secrets[i]["ID"].get<std::string>());  // refused while mounted
}

// settled: when lego may ask first (kNetworkSettles after the start).
json keep(const proxy::AcmeOrders& orders, const proxy::AcmeOrder& order, std::time_t settled,
          std::time_t& next_check) {
  std::time_t now = std::time(nullptr);
  json result = {{"at", proxy::utc_time(now)}, {"hosts", order.hosts}};
  try {
    auto secrets = app_secrets(orders.env, order.app);
    std::time_t due = renewal_due(secrets, order);
    if (due > now) {
      hand_out(secrets);  // a renewal whose hand-out failed before
      next_check = std::min(next_check, due);
      result["ok"] = true;
      result["expires"] = label(secrets.front(), proxy::kCertificateExpiryLabel);
      return result;
    }
    if (now < settled) sleep(static_cast<unsigned>(settled - now));
    std::printf("%s: asking %s for a certificate for %s\n", order.app.c_str(), orders.directory.c_str(),
                joined(order.hosts).c_str());
    std::fflush(stdout);
    auto certificate = obtain(orders, order);
    std::string name = proxy::certificate_secret_name(order.app, certificate);
    auto created = acme::engine_call("POST", "/secrets/create",
                                     {{"Name", name},
                                      {"Labels", proxy::certificate_secret_labels(orders.env, order.app, certificate)},
                                      {"Data", base64(certificate.pem)}});
    if (created.status != 201 && created.status != 409)
      throw std::runtime_error("cannot store the certificate as a secret: " + created.body.dump());
    auto stored = app_secrets(orders.env, order.app);
    // The new one first, whatever the engine's clock said.
    std::stable_partition(stored.begin(), stored.end(),
                          [&](const json& secret) { return secret["Spec"]["Name"] == name; });
    hand_out(stored);
    next_check = std::min(next_check, proxy::renewal_time(certificate.not_before, certificate.not_after));
    result["ok"] = true;
    result["expires"] = proxy::utc_time(certificate.not_after);
    std::printf("%s: a certificate for %s until %s\n", order.app.c_str(), joined(order.hosts).c_str(),
                result["expires"].get<std::string>().c_str());
  } catch (const std::exception& e) {
    next_check = std::min(next_check, now + kRetryAfterFailure);
    result["ok"] = false;
    result["error"] = e.what();
    std::printf("%s: failed: %s\n", order.app.c_str(), e.what());
  }
  std::fflush(stdout);
  return result;
}

void write_status(const json& status) {
  fs::path temporary = state("status.json.partial");
  std::ofstream(temporary) << status.dump();
  fs::rename(temporary, state("status.json"));
}

void stop(int) { _exit(0); }  // a lego run cut short is run again by the next task

int run() {
  signal(SIGTERM, stop);
  signal(SIGINT, stop);
  fs::create_directories(proxy::kAcmeStateFolder);
  auto orders = proxy::orders_from_json(json::parse(read_file(proxy::kOrdersFile)));
  if (!orders.ca.empty()) {
    std::ofstream(state("ca.pem")) << orders.ca;
    setenv("LEGO_CA_CERTIFICATES", state("ca.pem").c_str(), 1);
  }
  std::printf("keeping the certificates of %zu app(s) from %s\n", orders.orders.size(), orders.directory.c_str());
  std::fflush(stdout);
  std::time_t settled = std::time(nullptr) + kNetworkSettles;
  for (;;) {
    std::time_t next_check = std::time(nullptr) + kLongestSleep;
    json status = json::object();
    for (const auto& order : orders.orders) {
      status[order.app] = keep(orders, order, settled, next_check);
      write_status(status);
    }
    std::time_t wait = std::max<std::time_t>(next_check - std::time(nullptr), 1);
    sleep(static_cast<unsigned>(wait));
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string command = argc > 1 ? argv[1] : "";
  try {
    if (command == "run") return run();
    if (command == "status") {
      std::string status = read_file(state("status.json"));
      std::printf("%s\n", status.empty() ? "{}" : status.c_str());
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rsm-acme: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: rsm-acme run|status\n");
  return 2;
}
