// rsm app on a real local swarm: deploy, rolling update (new tasks first) under a steady
// load through the edge proxy with no failed request, a node whose tasks fall silent
// under load with no failed request, automatic rollback of a broken image, rollback on
// demand, scale, remove. The app is reached through the edge proxy on
// every node, through rsm tunnel, and by its name on the cluster's network.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "support/acme_server.h"
#include "support/browser.h"
#include "support/environment_fixture.h"
#include "support/http_client.h"
#include "support/node_faults.h"
#include "support/ports.h"
#include "support/rsm_runner.h"
#include "support/temp_folder.h"
#include "support/test_certificates.h"
#include "support/test_images.h"
#include "swarm/environment.h"
#include "swarm/labels.h"
#include "swarm/objects.h"
#include "tunnel/forwarder.h"
#include "tunnel/relay.h"
#include "util/poll.h"

using namespace rsm;
using namespace rsm::testing;
using nlohmann::json;

namespace {

// Stops the load: no request failed, and there were enough to say so.
void expect_no_failed_request(SteadyLoad& load, int at_least) {
  auto result = load.stop();
  EXPECT_TRUE(result.failures.empty()) << result.failures.size() << " of " << result.requests
                                       << " requests failed, the first: " << result.failures.front();
  EXPECT_GT(result.requests, at_least);
}

// Expects the target to serve, within `timeout`, a certificate that expires at another
// time than `old`.
void expect_new_certificate(const HttpsTarget& target, const std::string& old, std::chrono::seconds timeout) {
  std::string expiry;
  bool renewed = poll_for(timeout, std::chrono::milliseconds(500), [&] {
    expiry = https_get("https://example.test/", target).certificate_expiry;
    return !expiry.empty() && expiry != old;
  });
  EXPECT_TRUE(renewed) << target.address << " still serves the certificate until " << expiry;
}

class Apps : public EnvironmentTest {
 protected:
  void SetUp() override {
    make_environment("app", 1, 1);
    engine::Client host(engine::Endpoint::from_environment());
    for (const char* version : {"1", "2", "broken"}) images_[version] = ensure_web_image(host, version);
  }

  // What "web" answers on the network, through a relay on the manager.
  std::string fetch() {
    Progress progress(true);
    swarm::Environment env(env_, progress);
    auto sockets = tunnel::ensure_relay(env, env.reachable_manager(), "dbnet", {{"web", 8080}}, progress);
    tunnel::Forwarder forwarder(0, sockets[0]);
    return fetch_local(forwarder.port());
  }

  json app_row() {
    auto listed = json::parse(run_rsm({"app", "ls", env_, "--json"}).output);
    return listed.empty() ? json() : listed[0];
  }

  // Deploys under a steady load on / through the edge proxy of every node and expects no
  // failed request. Returns what rsm printed and the bodies the load saw.
  std::pair<ProcessResult, std::map<std::string, int>> deploy_under_load(const std::vector<std::string>& urls,
                                                                         const std::string& image) {
    SteadyLoad load(urls);
    auto deployed = run_rsm({"app", "deploy", env_, "web", image, "-p", "8080"});
    std::this_thread::sleep_for(std::chrono::seconds(2));  // the old tasks are gone by now
    auto result = load.stop();
    EXPECT_TRUE(result.failures.empty()) << result.failures.size() << " of " << result.requests
                                         << " requests failed, the first: " << result.failures.front();
    EXPECT_GT(result.requests, 50);
    return {deployed, result.bodies};
  }

  std::map<std::string, std::string> images_;
};

}  // namespace

TEST_F(Apps, DeploysUpdatesRollsBackScalesAndRemoves) {
  auto created = run_rsm({"app", "deploy", env_, "web", images_["1"], "-r", "3", "-p", "8080"});
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_NE(created.output.find("web created"), std::string::npos) << created.output;
  EXPECT_EQ(app_row()["running"], 3) << app_row().dump();
  EXPECT_EQ(app_row()["ports"], "8080");
  EXPECT_EQ(fetch(), "web 1\n");

  // Through the edge proxy, on every node, straight from this machine.
  std::vector<std::string> urls = app_row()["urls"];
  ASSERT_EQ(urls.size(), 2u) << app_row().dump();
  for (auto& url : urls) {
    EXPECT_EQ(http_get(url + "/healthz").body, "ok\n") << url;
    EXPECT_EQ(http_get(url + "/").body, "web 1\n") << url;
    url += "/";
  }

  // From this machine through rsm tunnel, which finds the app by the port it publishes.
  int local = free_port();
  auto served = fetch_through_rsm({"tunnel", env_, "8080", "-p", std::to_string(local)}, local, "web 1");
  EXPECT_EQ(served.page, "web 1\n");
  EXPECT_EQ(served.exit_code, 0);
  EXPECT_EQ(run_rsm({"tunnel", env_, "9999"}).exit_code, 2) << "no app publishes 9999";

  // The order before ENV came first is still taken, with a line that says the new one.
  auto same = run_rsm({"app", "deploy", "web", images_["1"], env_, "-p", "8080"});
  ASSERT_EQ(same.exit_code, 0) << same.output;
  EXPECT_NE(same.output.find("web unchanged"), std::string::npos) << same.output;
  EXPECT_NE(same.output.find(fmt::format("write `rsm app deploy {} web {}`", env_, images_["1"])), std::string::npos)
      << same.output;
  auto as_json = run_rsm({"app", "deploy", env_, "web", images_["1"], "-p", "8080", "-q", "--json"});
  ASSERT_EQ(as_json.exit_code, 0) << as_json.output;
  auto deployed = json::parse(as_json.output);
  EXPECT_EQ(deployed["outcome"], "unchanged") << deployed.dump();
  EXPECT_EQ(deployed["urls"].size(), 2u) << deployed.dump();

  auto [updated, bodies] = deploy_under_load(urls, images_["2"]);
  ASSERT_EQ(updated.exit_code, 0) << updated.output;
  EXPECT_NE(updated.output.find("web updated"), std::string::npos) << updated.output;
  EXPECT_GT(bodies["web 1\n"], 0);
  EXPECT_GT(bodies["web 2\n"], 0);
  EXPECT_EQ(fetch(), "web 2\n");
  EXPECT_EQ(http_get(urls[0]).body, "web 2\n");
  auto tasks = json::parse(run_rsm({"app", "ps", env_, "web", "--json"}).output);
  int running_v2 = 0;
  for (const auto& task : tasks) running_v2 += task["state"] == "running" && task["image"] == images_["2"];
  EXPECT_EQ(running_v2, 3) << tasks.dump(2);

  auto back = run_rsm({"app", "rollback", env_, "web"});
  ASSERT_EQ(back.exit_code, 0) << back.output;
  EXPECT_EQ(app_row()["image"], images_["1"]);
  EXPECT_EQ(fetch(), "web 1\n");
  ASSERT_EQ(run_rsm({"app", "deploy", env_, "web", images_["2"], "-p", "8080", "--timeout", "500ms", "-q"}).exit_code,
            0);
  EXPECT_EQ(app_row()["timeout"], "500ms");

  // The worker's tasks fall silent (its node frozen: connections are taken, nothing is
  // answered). A request the manager's edge proxy handed to one waits the app's 500 ms,
  // then goes to a task on the manager: none fails (the load gives each 5 s).
  {
    engine::Client host(engine::Endpoint::from_environment());
    NodeFaults faults(host, env_);
    SteadyLoad load({urls[0]});  // urls are the nodes' in `rsm nodes ls` order: managers first
    faults.start(NodeFault::frozen, node("worker", 1));
    std::this_thread::sleep_for(std::chrono::seconds(4));
    auto result = load.stop();
    faults.end(NodeFault::frozen, node("worker", 1));
    EXPECT_TRUE(result.failures.empty()) << result.failures.size() << " of " << result.requests
                                         << " requests failed, the first: " << result.failures.front();
    std::printf("frozen worker: %d requests, %d answered after more than 1 s\n", result.requests, result.slow);
  }

  // A broken image never gets healthy: the swarm rolls back by itself and rsm says so,
  // while the old tasks answer every request.
  auto [broken, seen] = deploy_under_load(urls, images_["broken"]);
  EXPECT_EQ(broken.exit_code, 1) << broken.output;
  EXPECT_EQ(seen.size(), 1u);
  EXPECT_GT(seen["web 2\n"], 0);
  EXPECT_NE(broken.output.find("rsm: error: the update of web failed and was rolled back"), std::string::npos)
      << broken.output;
  EXPECT_EQ(app_row()["image"], images_["2"]);
  EXPECT_EQ(fetch(), "web 2\n");

  auto scaled = run_rsm({"app", "scale", env_, "web", "1"});
  ASSERT_EQ(scaled.exit_code, 0) << scaled.output;
  EXPECT_EQ(app_row()["replicas"], 1);
  EXPECT_EQ(app_row()["running"], 1);

  auto logs = run_rsm({"app", "logs", env_, "web"});
  EXPECT_EQ(logs.exit_code, 0) << logs.output;
  // Each line says its task and node; --grep and --tail cut them.
  EXPECT_NE(logs.output.find(" | web "), std::string::npos) << logs.output;
  EXPECT_NE(logs.output.find("web.1@" + env_ + "-"), std::string::npos) << logs.output;
  auto last = run_rsm({"app", "logs", env_, "web", "--grep", "serving on port [0-9]+", "--tail", "1"});
  EXPECT_EQ(last.exit_code, 0) << last.output;
  EXPECT_EQ(std::count(last.output.begin(), last.output.end(), '\n'), 1) << last.output;

  ASSERT_EQ(run_rsm({"app", "rm", env_, "web"}).exit_code, 0);
  EXPECT_TRUE(app_row().is_null());
  // The edge proxy goes with the last published port (its containers stop in a moment).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (http_get(urls[0], 1000).status != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(http_get(urls[0], 1000).status, 0);
}

TEST_F(Apps, BadInputIsRefusedInOneLine) {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"app", "deploy", env_, "Web_1", images_["1"]},
                                             {"app", "deploy", env_, "db", images_["1"]},
                                             {"app", "deploy", env_, "web", images_["1"], "-e", "NOEQUALS"},
                                             {"app", "deploy", env_, "web", images_["1"], "--timeout", "30"},
                                             {"app", "deploy", env_, "web", images_["1"], "--secret", "nosuchsecret"},
                                             {"app", "scale", env_, "nosuchapp", "2"},
                                             {"app", "rollback", env_, "nosuchapp"}}) {
    auto result = run_rsm(args);
    EXPECT_EQ(result.exit_code, 2) << fmt::format("{}", fmt::join(args, " ")) << "\n" << result.output;
    EXPECT_EQ(result.output.rfind("rsm: error: ", 0), 0u) << result.output;
    EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
  }
  auto missing = run_rsm({"app", "deploy", env_, "web", "rsm-test/nobody-has:404"});
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_TRUE(app_row().is_null());
}

TEST_F(Apps, RouteByHostAndPathOnPortEightyOfEveryNode) {
  auto site = run_rsm({"app", "deploy", env_, "site", images_["1"], "--host", "example.test", "--host",
                       "WWW.example.test", "--http-port", "8080", "-r", "1", "--tls", "off", "--json", "-q"});
  ASSERT_EQ(site.exit_code, 0) << site.output;
  EXPECT_EQ(json::parse(site.output)["routes"], json::array({"http://example.test/", "http://www.example.test/"}));
  auto api = run_rsm({"app", "deploy", env_, "api", images_["2"], "--host", "example.test", "--path", "/api/",
                      "--http-port", "8080", "-r", "1", "--tls", "off", "-q"});
  ASSERT_EQ(api.exit_code, 0) << api.output;

  std::vector<std::string> nodes;
  for (const auto& row : json::parse(run_rsm({"nodes", "ls", env_, "--json"}).output))
    nodes.push_back(fmt::format("http://{}", row["address"].get<std::string>()));
  ASSERT_EQ(nodes.size(), 2u);
  for (const auto& node : nodes) {
    EXPECT_EQ(http_get(node + "/", 5000, "example.test").body, "web 1\n") << node;
    EXPECT_EQ(http_get(node + "/", 5000, "www.example.test:80").body, "web 1\n") << "the port is no part of the name";
    EXPECT_EQ(http_get(node + "/api/", 5000, "Example.test").body, "web 2 api\n") << node;
    auto elsewhere = http_get(node + "/", 5000, "other.test");
    EXPECT_EQ(elsewhere.status, 404) << node;
    EXPECT_EQ(elsewhere.body, "no app answers this host and path") << node;
  }
  auto listed = json::parse(run_rsm({"app", "ls", env_, "--json"}).output);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0]["routes"], json::array({"http://example.test/api/"}));

  // One line each; nothing changes.
  auto taken = run_rsm({"app", "deploy", env_, "copy", images_["1"], "--host", "example.test", "--path", "/api"});
  EXPECT_EQ(taken.exit_code, 2) << taken.output;
  EXPECT_NE(taken.output.find("example.test/api is routed to the app api already"), std::string::npos) << taken.output;
  for (const std::vector<std::string>& bad : {std::vector<std::string>{"--host", "bad_name.test"},
                                              {"--host", "a.test", "--path", "api"},
                                              {"--path", "/api"},
                                              {"--host", "a.test", "-p", "80"},
                                              {"--health-path", "healthz"},
                                              {"--health-interval", "10ms"}}) {
    std::vector<std::string> args{"app", "deploy", env_, "copy", images_["1"]};
    args.insert(args.end(), bad.begin(), bad.end());
    auto refused = run_rsm(args);
    EXPECT_EQ(refused.exit_code, 2) << refused.output;
    EXPECT_EQ(refused.output.rfind("rsm: error: ", 0), 0u) << refused.output;
  }
  EXPECT_EQ(json::parse(run_rsm({"app", "ls", env_, "--json"}).output).size(), 2u);

  // The path's app goes: its requests reach the host's app.
  ASSERT_EQ(run_rsm({"app", "rm", env_, "api"}).exit_code, 0);
  EXPECT_EQ(http_get(nodes[0] + "/api/", 5000, "example.test").body, "web 1 api\n");
}

TEST_F(Apps, ServeHttpsWithTheirOwnCertificatesAndChangeThemWithoutAFailedRequest) {
  using namespace std::chrono_literals;
  TestCa ca;
  TempFolder files("rsm-tls");
  std::string ca_file = (files / "ca.pem").string();
  write_text_file(ca_file, ca.root());
  auto tls_flags = [&](const std::string& name, const TestCertificate& pair) {
    write_text_file((files / (name + ".pem")).string(), pair.certificate);
    write_text_file((files / (name + ".key")).string(), pair.key);
    return std::vector<std::string>{"--tls-cert", (files / (name + ".pem")).string(), "--tls-key",
                                    (files / (name + ".key")).string()};
  };
  auto deploy = [&](const std::vector<std::string>& args, const std::vector<std::string>& tls) {
    std::vector<std::string> all{"app", "deploy", env_};
    all.insert(all.end(), args.begin(), args.end());
    all.insert(all.end(), tls.begin(), tls.end());
    return run_rsm(all);
  };
  auto site_tls = tls_flags("site", ca.issue({"example.test", "www.example.test"}));
  auto site = deploy({"site", images_["1"], "--host", "example.test", "--host", "www.example.test", "--http-port",
                      "8080", "-r", "1", "--hsts", "--json", "-q"},
                     site_tls);
  ASSERT_EQ(site.exit_code, 0) << site.output;
  EXPECT_EQ(json::parse(site.output)["routes"], json::array({"https://example.test/", "https://www.example.test/"}));
  auto api = deploy({"api", images_["2"], "--host", "api.test", "--path", "/api", "--http-port", "8080", "-r", "1",
                     "--no-redirect", "-q"},
                    tls_flags("api", ca.issue({"api.test"}, 24h * 60)));
  ASSERT_EQ(api.exit_code, 0) << api.output;

  std::vector<std::string> addresses;
  for (const auto& row : json::parse(run_rsm({"nodes", "ls", env_, "--json"}).output))
    addresses.push_back(row["address"].get<std::string>());
  ASSERT_EQ(addresses.size(), 2u);
  std::string first_expiry;
  for (const auto& address : addresses) {
    HttpsTarget target{address, ca_file};
    auto answer = https_get("https://example.test/", target);
    EXPECT_EQ(answer.body, "web 1\n") << address << ": " << answer.error;
    EXPECT_EQ(answer.headers["strict-transport-security"], "max-age=31536000") << address;
    first_expiry = answer.certificate_expiry;
    EXPECT_EQ(https_get("https://www.example.test/", target).body, "web 1\n") << "SNI and Host: " << address;
    auto api_answer = https_get("https://api.test/api/", target);
    EXPECT_EQ(api_answer.body, "web 2 api\n") << address << ": " << api_answer.error;
    EXPECT_EQ(api_answer.headers.count("strict-transport-security"), 0u) << "HSTS is the site's only";
    auto redirected = http_get(fmt::format("http://{}/x?y=1", address), 5000, "example.test");
    EXPECT_EQ(redirected.status, 308) << address;
    EXPECT_EQ(redirected.headers["location"], "https://example.test/x?y=1") << address;
    EXPECT_EQ(http_get(fmt::format("http://{}/api/", address), 5000, "api.test").body, "web 2 api\n")
        << "--no-redirect: plain HTTP answers";
  }
  EXPECT_FALSE(first_expiry.empty());
  auto listed = json::parse(run_rsm({"app", "ls", env_, "--json"}).output);
  EXPECT_FALSE(listed[1]["certificate_expires"].is_null()) << listed.dump();
  EXPECT_NE(run_rsm({"app", "ls", env_}).output.find("https://api.test/api/ (certificate until "), std::string::npos);

  // A new certificate for the site, under a steady load on both nodes, each request on a
  // connection of its own and on kept-alive ones: no request fails, every node serves it.
  std::vector<std::string> urls;
  std::vector<HttpsTarget> targets;
  for (const auto& address : addresses) {
    urls.push_back("https://example.test/");
    targets.push_back({address, ca_file});
  }
  SteadyLoad fresh(urls, targets, true), kept(urls, targets, false);
  auto renewed = deploy(
      {"site", images_["1"], "--host", "example.test", "--host", "www.example.test", "--http-port", "8080", "--hsts"},
      tls_flags("renewed", ca.issue({"example.test", "www.example.test"}, 24h * 90)));
  ASSERT_EQ(renewed.exit_code, 0) << renewed.output;
  EXPECT_NE(renewed.output.find("site updated"), std::string::npos) << renewed.output;
  for (const auto& target : targets) expect_new_certificate(target, first_expiry, 10s);
  std::string renewed_expiry = https_get("https://example.test/", targets[0]).certificate_expiry;
  std::this_thread::sleep_for(1s);
  expect_no_failed_request(fresh, 20);
  expect_no_failed_request(kept, 20);

  // Certificates a browser would refuse: one line each, and the one that serves stays.
  auto other = ca.issue({"example.test"});
  for (const auto& bad : {tls_flags("mismatched", {other.certificate, ca.issue({"example.test"}).key}),
                          tls_flags("expired", ca.issue({"example.test", "www.example.test"}, -1h, -2h)),
                          tls_flags("elsewhere", ca.issue({"elsewhere.test"}))}) {
    auto refused = deploy(
        {"site", images_["1"], "--host", "example.test", "--host", "www.example.test", "--http-port", "8080", "--hsts"},
        bad);
    EXPECT_EQ(refused.exit_code, 2) << refused.output;
    EXPECT_EQ(refused.output.rfind("rsm: error: ", 0), 0u) << refused.output;
    EXPECT_EQ(std::count(refused.output.begin(), refused.output.end(), '\n'), 1) << refused.output;
  }
  EXPECT_EQ(https_get("https://example.test/", targets[0]).certificate_expiry, renewed_expiry);

  // The apps go, and their certificates with them: no key stays in the swarm.
  Progress quiet(true);
  swarm::Environment environment(env_, quiet);
  engine::Client manager(environment.reachable_manager().engine);
  auto certificates = [&] {
    return swarm::list_objects(manager, "secrets", swarm::component_filters(env_, "edge-certificate")).size();
  };
  EXPECT_EQ(certificates(), 2u);
  ASSERT_EQ(run_rsm({"app", "rm", env_, "site"}).exit_code, 0);
  EXPECT_EQ(certificates(), 1u);
  EXPECT_EQ(https_get("https://api.test/api/", targets[0]).body, "web 2 api\n");
  ASSERT_EQ(run_rsm({"app", "rm", env_, "api"}).exit_code, 0);
  EXPECT_EQ(certificates(), 0u);
  EXPECT_FALSE(swarm::find_service(manager, "rsm-edge-certs").has_value());
}

TEST_F(Apps, GetCertificatesFromAnAcmeServerAndRenewThemWithoutAFailedRequest) {
  using namespace std::chrono_literals;
  for (const char* program : {"pebble", "pebble-challtestsrv", "chromium", "certutil"})
    if (!program_exists(program))
      GTEST_SKIP() << "needs " << program
                   << " (Debian's pebble, chromium, libnss3-tools), which scripts/setup installs";
  std::vector<std::string> addresses;
  for (const auto& row : json::parse(run_rsm({"nodes", "ls", env_, "--json"}).output))
    addresses.push_back(row["address"].get<std::string>());
  ASSERT_EQ(addresses.size(), 2u);
  // Certificates for 90 s: renewed after 60 s, while the test watches.
  AcmeTestServer acme(local_gateway(node("manager", 1)), addresses[1], 90s);
  // One file: two apps on two host names, the environment's ACME server.
  TempFolder files("rsm-acme-up");
  auto file = files / "rsm.yaml";
  std::ofstream(file) << fmt::format(
      "env: {}\nnodes: [{{managers: 1, workers: 1}}]\n"
      "acme: {{directory: '{}', email: ops@rsm.test, ca: '{}'}}\n"
      "apps:\n"
      "  - {{name: site, image: '{}', replicas: 1, hosts: [example.test, www.example.test], http_port: 8080}}\n"
      "  - {{name: api, image: '{}', replicas: 1, hosts: [api.test], path: /api, http_port: 8080}}\n",
      env_, acme.directory(), acme.ca_file(), images_["1"], images_["2"]);
  auto up = run_rsm({"up", "-f", file.string(), "-q", "--json"});
  ASSERT_EQ(up.exit_code, 0) << up.output;
  auto summary = json::parse(up.output);
  EXPECT_EQ(summary["apps"][0]["routes"], json::array({"https://example.test/", "https://www.example.test/"}))
      << summary.dump();
  EXPECT_EQ(summary["apps"][1]["routes"], json::array({"https://api.test/api/"})) << summary.dump();

  std::string root = acme.issuing_root_file();
  std::vector<std::string> urls;
  std::vector<HttpsTarget> targets;
  std::map<std::string, std::string> first_expiry;
  for (const auto& address : addresses) {
    HttpsTarget target{address, root};
    auto answer = https_get("https://example.test/", target);
    EXPECT_EQ(answer.body, "web 1\n") << address << ": " << answer.error;
    first_expiry[address] = answer.certificate_expiry;
    EXPECT_EQ(https_get("https://www.example.test/", target).body, "web 1\n") << address;
    EXPECT_EQ(https_get("https://api.test/api/", target).body, "web 2 api\n") << address;
    auto redirected = http_get(fmt::format("http://{}/", address), 5000, "example.test");
    EXPECT_EQ(redirected.status, 308) << address;
    urls.push_back("https://example.test/");
    targets.push_back(target);
  }
  // A browser trusting pebble's root, as a user's trusts Let's Encrypt's.
  std::string page = browser_page("https://example.test/", "example.test", addresses[0], root);
  EXPECT_NE(page.find("web 1"), std::string::npos) << "Chromium's page: " << page;

  // rsm-acme renews the site's certificate (and the api's) on its own, under a steady load:
  // every node serves the new one, and no request fails.
  SteadyLoad fresh(urls, targets, true), kept(urls, targets, false);
  for (const auto& target : targets) expect_new_certificate(target, first_expiry[target.address], 120s);
  std::this_thread::sleep_for(1s);
  expect_no_failed_request(fresh, 20);
  expect_no_failed_request(kept, 20);

  // A name that does not lead to the nodes: one line, and nothing changes.
  acme.lead("elsewhere.test", "127.0.0.1");
  auto refused = run_rsm(
      {"app", "deploy", env_, "elsewhere", images_["1"], "--host", "elsewhere.test", "--http-port", "8080", "-r", "1"});
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("rsm: error: " + acme.directory() + " refused a certificate for elsewhere.test: "),
            std::string::npos)
      << refused.output;
  EXPECT_EQ(json::parse(run_rsm({"app", "ls", env_, "--json"}).output).size(), 2u) << "no app elsewhere";
  EXPECT_EQ(https_get("https://example.test/", targets[0]).body, "web 1\n") << "the routes keep serving";

  // The apps go: so do rsm-acme and every certificate.
  for (const char* app : {"site", "api"}) {
    auto removed = run_rsm({"app", "rm", env_, app});
    ASSERT_EQ(removed.exit_code, 0) << removed.output;
  }
  Progress quiet(true);
  swarm::Environment environment(env_, quiet);
  engine::Client manager(environment.reachable_manager().engine);
  EXPECT_FALSE(swarm::find_service(manager, "rsm-acme").has_value());
  EXPECT_TRUE(swarm::list_objects(manager, "secrets", swarm::component_filters(env_, "edge-certificate")).empty());
}
