#include "support/acme_server.h"

#include <fcntl.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

#include <curl/curl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/client.h"
#include "support/http_client.h"
#include "support/ports.h"
#include "util/poll.h"

namespace rsm::testing {

namespace {

Subprocess start(const std::vector<std::string>& argv, const std::string& log) {
  int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  auto process = Subprocess::spawn(argv, -1, fd, fd);
  close(fd);
  return process;
}

// A POST of JSON to pebble-challtestsrv's management API.
void post(const std::string& url, const std::string& body) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 5000L);
  if (curl_easy_perform(curl.get()) != CURLE_OK) throw std::runtime_error("pebble-challtestsrv does not answer " + url);
}

}  // namespace

AcmeTestServer::AcmeTestServer(const std::string& address, const std::string& names_lead_to,
                               std::chrono::seconds validity)
    : folder_("rsm-pebble"), address_(address) {
  port_ = free_port();
  management_port_ = free_port();
  dns_port_ = free_port();
  dns_management_port_ = free_port();
  auto own = ca_.issue({address});
  write_text_file((folder_ / "ca.pem").string(), ca_.root());
  write_text_file((folder_ / "cert.pem").string(), own.certificate);
  write_text_file((folder_ / "key.pem").string(), own.key);
  nlohmann::json config = {{"pebble",
                            {{"listenAddress", fmt::format("0.0.0.0:{}", port_)},
                             {"managementListenAddress", fmt::format("0.0.0.0:{}", management_port_)},
                             {"certificate", (folder_ / "cert.pem").string()},
                             {"privateKey", (folder_ / "key.pem").string()},
                             {"httpPort", 80},
                             {"tlsPort", 443},
                             {"ocspResponderURL", ""},
                             {"externalAccountBindingRequired", false},
                             {"certificateValidityPeriod", validity.count()}}}};
  write_text_file((folder_ / "pebble.json").string(), config.dump());
  dns_ = start({"pebble-challtestsrv", "-defaultIPv4", names_lead_to, "-defaultIPv6", "", "-dns01",
                fmt::format("127.0.0.1:{}", dns_port_), "-management",
                fmt::format("127.0.0.1:{}", dns_management_port_), "-http01", "", "-https01", "", "-tlsalpn01", ""},
               (folder_ / "challtestsrv.log").string());
  setenv("PEBBLE_VA_NOSLEEP", "1", 1);
  pebble_ = start(
      {"pebble", "-config", (folder_ / "pebble.json").string(), "-dnsserver", fmt::format("127.0.0.1:{}", dns_port_)},
      (folder_ / "pebble.log").string());
  bool up = poll_for(std::chrono::seconds(10), std::chrono::milliseconds(100), [&] {
    return https_get(directory(), {address_, ca_file()}, 1000).status == 200;
  });
  if (!up) throw std::runtime_error("pebble does not answer " + directory());
}

AcmeTestServer::~AcmeTestServer() {
  pebble_.reset();
  dns_.reset();
}

std::string AcmeTestServer::directory() const { return fmt::format("https://{}:{}/dir", address_, port_); }

std::string AcmeTestServer::ca_file() const { return (folder_ / "ca.pem").string(); }

std::string AcmeTestServer::issuing_root_file() {
  auto root = https_get(fmt::format("https://{}:{}/roots/0", address_, management_port_), {address_, ca_file()});
  if (root.status != 200) throw std::runtime_error("pebble gives no root: " + root.error);
  std::string path = (folder_ / "issuing-root.pem").string();
  write_text_file(path, root.body);
  return path;
}

void AcmeTestServer::lead(const std::string& name, const std::string& address) {
  post(fmt::format("http://127.0.0.1:{}/add-a", dns_management_port_),
       nlohmann::json{{"host", name + "."}, {"addresses", {address}}}.dump());
}

std::string local_gateway(const std::string& node_container) {
  engine::Client local(engine::Endpoint::from_environment());
  auto container = local.get("/containers/" + node_container + "/json");
  for (const auto& [name, network] : container["NetworkSettings"]["Networks"].items())
    if (!network.value("Gateway", "").empty()) return network["Gateway"];
  throw std::runtime_error(node_container + " has no gateway");
}

}  // namespace rsm::testing
