// The digitalocean driver end to end, against the API stand-in of tests/support whose
// droplets are machines of the ssh test lab (three regions joined by a router), and
// through Prism (the contract check) where DigitalOcean's OpenAPI description is at hand:
// droplets in three regions form one swarm that carries the database and an app behind
// the edge of every droplet, behind the environment's cloud firewall; one rsm.yaml mixes
// droplets with a machine of the ssh driver and a local node; `rm` leaves no droplet,
// key, tag or firewall; a create stopped by Ctrl-C anywhere is finished by a
// re-run or removed by `rm`. The suite's tests run in order and share the lab.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "engine/client.h"
#include "support/contract_proxy.h"
#include "support/digitalocean_standin.h"
#include "support/droplet_machines.h"
#include "support/environment_fixture.h"
#include "support/fixtures.h"
#include "support/http_client.h"
#include "support/rsm_runner.h"
#include "support/ssh_hosts.h"
#include "support/state_folder.h"
#include "support/test_images.h"
#include "util/poll.h"

using namespace rsm;
using namespace rsm::testing;
using namespace std::chrono_literals;
using engine::json;

namespace {

class DigitalOceanNodes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("RSM_RELAY", RSM_RELAY_BINARY, 0);
    env_ = unique_name("doit");
    state_ = std::make_unique<StateFolder>("rsm-do-state");
    lab_ = std::make_unique<SshHostLab>(unique_name("rsm-dolab"), 3);
    machines_ = std::make_unique<DropletMachines>(*lab_, 3);
    // Now and then a 429, as the real service gives under load.
    standin_ = std::make_unique<DigitalOceanStandin>(machines_->options({.rate_limit_every = 9}));
    std::string url = standin_->url();
    if (auto openapi = digitalocean_openapi(); openapi && !ContractProxy::missing_reason()) {
      proxy_ = std::make_unique<ContractProxy>(openapi->string(), url);
      url = proxy_->url();
    } else {
      fmt::print("requests go to the stand-in unchecked: {}\n",
                 openapi ? *ContractProxy::missing_reason() : digitalocean_openapi_missing_reason());
    }
    setenv("DIGITALOCEAN_API_URL", url.c_str(), 1);
    setenv("DIGITALOCEAN_ACCESS_TOKEN", "rsm-test-token", 1);
  }
  static void TearDownTestSuite() {
    for (const char* suffix : {"", "i", "m"}) run_rsm({"nodes", "rm", env_ + suffix, "-f"});
    proxy_.reset();
    standin_.reset();
    machines_.reset();
    lab_.reset();
    state_.reset();
    for (const char* variable : {"DIGITALOCEAN_API_URL", "DIGITALOCEAN_ACCESS_TOKEN"}) unsetenv(variable);
  }
  // A request or answer off the contract is refused by Prism, so the command that sent it
  // fails; its log says why.
  void TearDown() override {
    if (HasFailure() && proxy_) fmt::print("Prism's log:\n{}\n", proxy_->log());
  }

  static ProcessResult create(const std::string& env, const std::vector<std::string>& more) {
    std::vector<std::string> args{"nodes", "create", env, "-d", "digitalocean"};
    args.insert(args.end(), more.begin(), more.end());
    return run_rsm(args);
  }

  // Nothing of the environment's is left in the account (the login key is the only key).
  static void expect_nothing_left(const std::string& env) {
    poll_until(
        60s, 250ms, [&] { return "droplets of " + env + " are still listed"; },
        [&] {
          for (const auto& droplet : standin_->droplets())
            for (const auto& tag : droplet["tags"])
              if (tag == "rsm-env-" + env) return false;
          return true;
        });
    EXPECT_TRUE(standin_->ssh_keys().empty()) << json(standin_->ssh_keys()).dump();
    EXPECT_TRUE(standin_->firewalls().empty()) << json(standin_->firewalls()).dump();
    for (const auto& tag : standin_->tags()) EXPECT_NE(tag, "rsm-env-" + env);
    EXPECT_FALSE(std::filesystem::exists(state_->path() / "rsm" / "digitalocean" / env));
  }

  static inline std::string env_;
  static inline std::unique_ptr<StateFolder> state_;
  static inline std::unique_ptr<SshHostLab> lab_;
  static inline std::unique_ptr<DropletMachines> machines_;
  static inline std::unique_ptr<DigitalOceanStandin> standin_;
  static inline std::unique_ptr<ContractProxy> proxy_;
};

TEST_F(DigitalOceanNodes, ApiFailuresAreOneLineAndMakeNothing) {
  auto no_region = run_rsm({"nodes", "create", env_, "-d", "digitalocean", "-m", "1"}, {{"DIGITALOCEAN_REGION", ""}});
  EXPECT_EQ(no_region.exit_code, 2);
  EXPECT_NE(no_region.output.find("--region"), std::string::npos) << no_region.output;

  auto no_token = run_rsm({"nodes", "create", env_, "-d", "digitalocean", "-m", "1", "--region", "nyc3"},
                          {{"DIGITALOCEAN_ACCESS_TOKEN", ""}});
  EXPECT_EQ(no_token.exit_code, 2);
  EXPECT_NE(no_token.output.find("DIGITALOCEAN_ACCESS_TOKEN"), std::string::npos) << no_token.output;

  auto wrong_token = run_rsm({"nodes", "create", env_, "-d", "digitalocean", "-m", "1", "--region", "nyc3"},
                             {{"DIGITALOCEAN_ACCESS_TOKEN", "not-the-token"}});
  EXPECT_NE(wrong_token.exit_code, 0);
  EXPECT_NE(wrong_token.output.find("token"), std::string::npos) << wrong_token.output;
  EXPECT_EQ(wrong_token.output.find("not-the-token"), std::string::npos) << "the token is never printed";

  auto bad_size = create(env_, {"-m", "1", "--region", "nyc3", "--size", "s-64vcpu-1tb"});
  EXPECT_NE(bad_size.exit_code, 0);
  EXPECT_NE(bad_size.output.find("rsm: error:"), std::string::npos) << bad_size.output;
  EXPECT_EQ(run_rsm({"nodes", "rm", env_, "-f"}).exit_code, 0);
  expect_nothing_left(env_);
}

TEST_F(DigitalOceanNodes, MakesOneManagerInEachOfThreeRegionsAndAWorkerIntoOneSwarm) {
  auto first = create(env_, {"-m", "1", "--region", "nyc3"});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  // Two droplets of one command are made at once.
  auto second = create(env_, {"-m", "1", "-w", "1", "--region", "fra1"});
  ASSERT_EQ(second.exit_code, 0) << second.output;
  auto third = create(env_, {"-m", "1", "--region", "sgp1", "--size", "s-1vcpu-1gb"});
  ASSERT_EQ(third.exit_code, 0) << third.output;

  auto listed = run_rsm({"nodes", "ls", env_, "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  auto rows = json::parse(listed.output);
  ASSERT_EQ(rows.size(), 4u) << listed.output;
  std::vector<std::string> regions;
  for (const auto& row : rows) {
    regions.push_back(row["region"]);
    EXPECT_EQ(row["driver"], "digitalocean");
    EXPECT_EQ(row["status"], "ready") << listed.output;
    EXPECT_EQ(row["state"], "running") << listed.output;
    EXPECT_GT(row["price_monthly"].get<double>(), 0) << listed.output;
    EXPECT_FALSE(row["private_address"].get<std::string>().empty()) << listed.output;
    EXPECT_EQ(row["address"], machines_->machine(row["name"]).address);
  }
  EXPECT_EQ(regions, (std::vector<std::string>{"nyc3", "fra1", "sgp1", "fra1"})) << listed.output;
  EXPECT_EQ(rows[2]["size"], "s-1vcpu-1gb");
  EXPECT_EQ(rows[3]["role"], "worker");

  auto table = run_rsm({"nodes", "ls", env_});
  EXPECT_NE(table.output.find("MONTHLY"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("also while powered off"), std::string::npos) << table.output;
  auto envs = run_rsm({"env", "ls", "--json"});
  ASSERT_EQ(envs.exit_code, 0) << envs.output;
  bool billed = false;
  for (const auto& env : json::parse(envs.output))
    if (env["name"] == env_) billed = env["price_monthly"].get<double>() > 0 && env["nodes"] == 4;
  EXPECT_TRUE(billed) << envs.output;

  // One login key for the environment, every droplet with rsm's tags, one firewall by tag.
  EXPECT_EQ(standin_->ssh_keys().size(), 1u);
  for (const auto& droplet : standin_->droplets()) {
    auto tags = droplet["tags"].dump();
    EXPECT_NE(tags.find("\"rsm\""), std::string::npos) << tags;
    EXPECT_NE(tags.find("rsm-env-" + env_), std::string::npos) << tags;
  }
  auto firewalls = standin_->firewalls();
  ASSERT_EQ(firewalls.size(), 1u);
  EXPECT_EQ(firewalls[0]["tags"], json::array({"rsm-env-" + env_}));
  // A re-run with nothing to add changes nothing.
  auto again = create(env_, {});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(standin_->droplets().size(), 4u);
}

TEST_F(DigitalOceanNodes, CarryTheDatabaseAndAnAppBehindTheEdgeOfEveryDroplet) {
  engine::Client local(engine::Endpoint::from_environment());
  auto created = run_rsm({"db", "create", env_, "--image", ensure_fake_rethinkdb_image(local), "--no-wait"});
  ASSERT_EQ(created.exit_code, 0) << created.output;
  auto deployed = run_rsm({"app", "deploy", env_, "web", ensure_web_image(local, "1"), "-r", "2", "-p", "8080"});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.output;
  for (const auto& droplet : standin_->droplets())
    EXPECT_EQ(http_get(fmt::format("http://{}:8080/", machines_->machine(droplet["name"]).address)).body, "web 1\n")
        << droplet["name"];
  // The cloud firewall now lets the edge's port in from anywhere, and the mesh's UDP port
  // from the environment's droplets only.
  auto firewall = standin_->firewalls().at(0).dump();
  EXPECT_NE(firewall.find(R"("ports":"8080")"), std::string::npos) << firewall;
  EXPECT_NE(firewall.find(R"("ports":"51820")"), std::string::npos) << firewall;
  // Probed from outside (this machine): ssh and the edge answer; a port that something on
  // the droplet listens on, and that rsm's host firewall leaves alone, does not.
  auto machine = machines_->machine(env_ + "-manager-2");
  ASSERT_EQ(lab_->exec(machine, {"sh", "-c",
                                 "setsid socat TCP-LISTEN:9999,fork,reuseaddr SYSTEM:'echo open' "
                                 "</dev/null >/dev/null 2>&1 &"})
                .exit_code,
            0);
  auto reaches = [&](int port) {
    return run_process({"timeout", "3", "bash", "-c", fmt::format("</dev/tcp/{}/{}", machine.address, port)})
               .exit_code == 0;
  };
  EXPECT_TRUE(reaches(22));
  EXPECT_TRUE(reaches(8080));
  EXPECT_FALSE(reaches(9999)) << "the cloud firewall lets in a port it does not name";
  auto inside = lab_->exec(machine, {"sh", "-c", "sleep 0.5; socat -T 2 - TCP:127.0.0.1:9999 </dev/null"});
  EXPECT_EQ(inside.output, "open\n") << "the listener runs: the firewall, not its absence, kept the probe out";
  EXPECT_EQ(run_rsm({"app", "rm", env_, "web"}).exit_code, 0);
  EXPECT_EQ(run_rsm({"db", "rm", env_, "-f"}).exit_code, 0);
}

TEST_F(DigitalOceanNodes, StopPowersOffAndSaysItIsStillBilledAndStartBringsTheSwarmBack) {
  auto stopped = run_rsm({"nodes", "stop", env_});
  ASSERT_EQ(stopped.exit_code, 0) << stopped.output;
  EXPECT_NE(stopped.output.find("still billed"), std::string::npos) << stopped.output;
  auto rows = json::parse(run_rsm({"nodes", "ls", env_, "--json"}).output);
  for (const auto& row : rows) EXPECT_EQ(row["state"], "off") << rows.dump();
  auto started = run_rsm({"nodes", "start", env_});
  ASSERT_EQ(started.exit_code, 0) << started.output;
  rows = json::parse(run_rsm({"nodes", "ls", env_, "--json"}).output);
  for (const auto& row : rows) EXPECT_EQ(row["status"], "ready") << rows.dump();
}

TEST_F(DigitalOceanNodes, RemoveLeavesNoDropletKeyTagOrFirewall) {
  auto removed = run_rsm({"nodes", "rm", env_, "-f"});
  ASSERT_EQ(removed.exit_code, 0) << removed.output;
  expect_nothing_left(env_);
  poll_until(
      60s, 250ms, [] { return std::string("the droplets' machines are still there"); },
      [] {
        standin_->droplets();  // gone droplets go when read after their time
        return machines_->running() == 0;
      });
}

// One rsm.yaml with droplets in two regions and a machine of the ssh driver, to which a
// second run adds a local node: one swarm in one mesh across all three kinds, behind the
// cloud firewall, which admits the mesh's UDP from the ssh machine by its address, then
// (with a member behind this machine's NAT, whose address nobody knows) from anywhere.
TEST_F(DigitalOceanNodes, OneFileMixesDropletsWithMachinesOfTheSshDriverAndLocalNodes) {
  std::string env = env_ + "m";
  auto host = lab_->add_host(2);
  // Local nodes reach the lab's regions through this machine's NAT, as a laptop's would.
  lab_->let_out_through_nat("10.213.0.0/16");
  engine::Client engine(engine::Endpoint::from_environment());
  std::string web = ensure_web_image(engine, "1");
  std::string groups = fmt::format(
      "  - {{driver: digitalocean, managers: 1, region: nyc3}}\n"
      "  - {{driver: digitalocean, managers: 1, region: fra1}}\n"
      "  - {{driver: ssh, role: worker, region: far, ssh_key: {}, hosts: [{}]}}\n",
      lab_->key_file(), SshHostLab::login(host));
  std::string apps = fmt::format("apps:\n  - {{name: web, image: '{}', replicas: 2, ports: [8080]}}\n", web);
  auto file = state_->path() / "mixed.yaml";
  auto up = [&](const std::string& more_groups) {
    std::ofstream(file) << fmt::format("env: {}\nnodes:\n{}{}{}", env, groups, more_groups, apps);
    return run_rsm({"up", "-f", file.string()});
  };
  auto answers_everywhere = [&](size_t machines) {
    auto rows = json::parse(run_rsm({"nodes", "ls", env, "--json"}).output);
    ASSERT_EQ(rows.size(), machines) << rows.dump();
    for (const auto& row : rows) {
      EXPECT_EQ(row["status"], "ready") << row.dump();
      std::string address = row["address"];
      for (int i = 0; i < 4; ++i)
        EXPECT_EQ(http_get(fmt::format("http://{}:8080/", address)).body, "web 1\n") << row.dump();
    }
  };
  auto mesh_sources = [] {
    json firewall = standin_->firewalls().at(0);
    for (const auto& rule : firewall["inbound_rules"])
      if (rule["protocol"] == "udp") return rule["sources"];
    return json();
  };

  auto first = up("");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  answers_everywhere(3);
  EXPECT_EQ(mesh_sources()["addresses"], json::array({host.address})) << mesh_sources().dump();
  EXPECT_EQ(mesh_sources()["tags"], json::array({"rsm-env-" + env}));

  auto second = up("  - {driver: local, managers: 1}\n");
  ASSERT_EQ(second.exit_code, 0) << second.output;
  answers_everywhere(4);
  EXPECT_EQ(mesh_sources()["addresses"], json::array({"0.0.0.0/0"})) << mesh_sources().dump();
  auto rows = json::parse(run_rsm({"nodes", "ls", env, "--json"}).output);
  std::vector<std::string> drivers;
  for (const auto& row : rows) drivers.push_back(row["driver"]);
  std::sort(drivers.begin(), drivers.end());
  EXPECT_EQ(drivers, (std::vector<std::string>{"digitalocean", "digitalocean", "local", "ssh"})) << rows.dump();

  auto removed = run_rsm({"nodes", "rm", env, "-f"});
  ASSERT_EQ(removed.exit_code, 0) << removed.output;
  expect_nothing_left(env);
  EXPECT_EQ(lab_->exec(host, {"docker", "info", "--format", "{{.Swarm.LocalNodeState}}"}).output, "inactive\n");
  lab_->remove_host(host);
  poll_until(
      60s, 250ms, [] { return std::string("the droplets' machines are still there"); },
      [] {
        standin_->droplets();
        return machines_->running() == 0;
      });
}

// Ctrl-C (SIGINT to the command's process group, as a terminal sends it) at five points of
// a create; after each, `rm` finds and removes everything; the last is finished by a re-run.
TEST_F(DigitalOceanNodes, ACreateStoppedAnywhereIsRemovedByRmOrFinishedByARerun) {
  std::string env = env_ + "i";
  struct Point {
    const char* name;
    std::function<bool()> reached;
  };
  auto droplet_made = [] { return !standin_->droplets().empty(); };
  auto machine_up = [] { return machines_->running() > 0; };
  std::vector<Point> points{
      {"at once", [] { return true; }},
      {"once the login key is registered", [] { return !standin_->ssh_keys().empty(); }},
      {"once the droplet is asked for", droplet_made},
      {"once the droplet's machine booted", machine_up},
      {"while it joins the swarm", [&] {
         return machine_up() &&
                lab_->exec(machines_->machine(env + "-manager-1"), {"ip", "link", "show", "rsm0"}).exit_code == 0;
       }}};
  for (size_t i = 0; i < points.size(); ++i) {
    SCOPED_TRACE(points[i].name);
    // In a process group of its own, as a terminal's foreground job is.
    auto command = Subprocess::spawn(
        {"setsid", RSM_BINARY, "nodes", "create", env, "-d", "digitalocean", "-m", "1", "--region", "nyc3", "-q"});
    // Signals go to the group once setsid made it (and exec'd rsm in it).
    ASSERT_TRUE(poll_for(5s, 5ms, [&] { return getpgid(command.pid()) == command.pid(); }));
    std::optional<int> ended;
    ASSERT_TRUE(poll_for(120s, 50ms, [&] { return points[i].reached() || (ended = command.try_wait()); }));
    ASSERT_FALSE(ended) << "the create ended (" << *ended << ") before the point";
    kill(-command.pid(), SIGINT);
    EXPECT_EQ(command.wait(), 128 + SIGINT);
    if (i + 1 == points.size()) {
      // A re-run without counts finishes the node the stopped one left.
      auto finished = run_rsm({"nodes", "create", env});
      EXPECT_EQ(finished.exit_code, 0) << finished.output;
      auto rows = json::parse(run_rsm({"nodes", "ls", env, "--json"}).output);
      ASSERT_EQ(rows.size(), 1u) << rows.dump();
      EXPECT_EQ(rows[0]["status"], "ready") << rows.dump();
    }
    auto removed = run_rsm({"nodes", "rm", env, "-f"});
    EXPECT_EQ(removed.exit_code, 0) << removed.output;
    expect_nothing_left(env);
  }
}

}  // namespace
