// The ssh driver end to end: machines made by the tests (containers booted by systemd with
// sshd and an engine, in three "regions" joined by a router) are adopted into one swarm,
// carry the database and an app like local nodes, refuse what they must refuse, and are
// left as they were by `rsm nodes rm`. The suite's tests run in order and share the hosts.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "engine/image_transfer.h"
#include "reql/connection.h"
#include "support/db_connection.h"
#include "support/environment_fixture.h"
#include "support/http_client.h"
#include "support/ports.h"
#include "support/rsm_runner.h"
#include "support/ssh_hosts.h"
#include "support/state_folder.h"
#include "support/test_images.h"

using namespace rsm;
using namespace rsm::testing;
using engine::json;

namespace {

class SshNodes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("RSM_RELAY", RSM_RELAY_BINARY, 0);
    env_ = unique_name("sshit");
    // The hosts rsm adopts are recorded in its state folder: the suite's own, left behind by nothing.
    state_ = std::make_unique<StateFolder>("rsm-ssh-state");
    lab_ = std::make_unique<SshHostLab>(unique_name("rsm-sshlab"), 3);
    for (int region = 0; region < 3; ++region) hosts_.push_back(lab_->add_host(region));
    spare_ = std::make_unique<SshTestHost>(lab_->add_host(0, false));
  }
  static void TearDownTestSuite() {
    if (getenv("RSM_TEST_KEEP_SSH_LAB")) {  // for looking into a failure by hand
      lab_.release();
      state_.release();
      return;
    }
    run_rsm({"nodes", "rm", env_, "-f"});
    for (const char* suffix : {"x", "l", "m", "n", "g"})
      run_rsm({"nodes", "rm", env_ + suffix, "-f", "--forget-unreachable"});
    spare_.reset();
    lab_.reset();
    state_.reset();
    hosts_.clear();
  }

  static ProcessResult rsm_ssh(std::vector<std::string> args) { return run_rsm(args); }
  static std::vector<std::string> create_args(const std::string& env, const std::string& login,
                                              const std::string& region) {
    return {"nodes", "create", env, "-d", "ssh", "--host", login, "--ssh-key", lab_->key_file(), "--region", region};
  }

  // What rsm made on a host: containers, volumes, the swarm state.
  static std::string traces(const SshTestHost& host) {
    return lab_
        ->exec(host, {"sh", "-c",
                      "docker info --format '{{.Swarm.LocalNodeState}}'; docker ps -aq; "
                      "docker volume ls -q --filter label=rsm.env; iptables -S | grep RSM"})
        .output;
  }

  static inline std::string env_;
  static inline std::unique_ptr<StateFolder> state_;
  static inline std::unique_ptr<SshHostLab> lab_;
  static inline std::vector<SshTestHost> hosts_;
  static inline std::unique_ptr<SshTestHost> spare_;  // no engine: for the install and the refusals
};

TEST_F(SshNodes, AdoptsThreeHostsInThreeRegionsIntoOneSwarm) {
  // The user's own volume on a host must survive adoption and removal.
  ASSERT_EQ(lab_->exec(hosts_[1], {"docker", "volume", "create", "users-own"}).exit_code, 0);
  auto first = run_rsm(create_args(env_, SshHostLab::login(hosts_[0]), hosts_[0].region));
  ASSERT_EQ(first.exit_code, 0) << first.output;
  // A sudo login for the second host, root for the third; both managers.
  auto more = run_rsm({"nodes", "create", env_, "-d", "ssh", "-m", "1", "--host", SshHostLab::login(hosts_[1], "admin"),
                       "--ssh-key", lab_->key_file(), "--region", hosts_[1].region});
  ASSERT_EQ(more.exit_code, 0) << more.output;
  auto third = run_rsm({"nodes", "create", env_, "-d", "ssh", "-m", "1", "--host", SshHostLab::login(hosts_[2]),
                        "--ssh-key", lab_->key_file(), "--region", hosts_[2].region});
  ASSERT_EQ(third.exit_code, 0) << third.output;

  auto listed = run_rsm({"nodes", "ls", env_, "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  auto rows = json::parse(listed.output);
  ASSERT_EQ(rows.size(), 3u) << listed.output;
  for (size_t i = 0; i < 3; ++i) {
    const auto& row = rows[i];
    EXPECT_EQ(row["name"], fmt::format("{}-manager-{}", env_, i + 1));
    EXPECT_EQ(row["driver"], "ssh");
    EXPECT_EQ(row["region"], hosts_[i].region);
    EXPECT_EQ(row["address"], hosts_[i].address);
    EXPECT_EQ(row["swarm_address"], fmt::format("10.218.1.{}", i + 1)) << "the swarm runs in the WireGuard mesh";
    EXPECT_EQ(row["status"], "ready") << listed.output;
    EXPECT_EQ(row["role"], "manager");
  }
  // The machines keep their own hostnames; rsm's names are the swarm nodes' labels.
  EXPECT_NE(lab_->exec(hosts_[0], {"hostname"}).output.find(hosts_[0].container), std::string::npos);
  auto labels = lab_->exec(hosts_[0], {"docker", "node", "ls", "--format", "{{.Hostname}}"});
  EXPECT_NE(labels.output.find(hosts_[2].container), std::string::npos) << labels.output;
  auto label = lab_->exec(hosts_[0], {"docker", "node", "inspect", hosts_[2].container, "--format",
                                      "{{index .Spec.Labels \"rsm.node\"}} {{index .Spec.Labels \"rsm.region\"}}"});
  EXPECT_EQ(label.output, fmt::format("{}-manager-3 {}\n", env_, hosts_[2].region));
}

TEST_F(SshNodes, CarryTheDatabaseAndAnAppLikeLocalNodes) {
  engine::Client local(engine::Endpoint::from_environment());
  std::string db_image = ensure_fake_rethinkdb_image(local);
  std::string web_image = ensure_web_image(local, "1");

  auto created = run_rsm({"db", "create", env_, "--image", db_image, "--no-wait"});
  ASSERT_EQ(created.exit_code, 0) << created.output;
  // One server on each host, tagged with its region.
  for (const auto& host : hosts_) {
    auto env = lab_->exec(host, {"sh", "-c",
                                 "docker inspect --format '{{json .Config.Env}}' "
                                 "$(docker ps -q --filter label=rsm.component=db)"});
    EXPECT_NE(env.output.find("RSM_SERVER_TAGS=manager " + host.region), std::string::npos) << env.output;
  }
  // The web admin through the relay, whose socket is reached over ssh.
  int port = free_port();
  auto served =
      fetch_through_rsm({"db", "admin", env_, "--port", std::to_string(port)}, port, "fake rethinkdb admin of");
  EXPECT_NE(served.page.find("fake rethinkdb admin of"), std::string::npos) << served.page;

  auto deployed = run_rsm({"app", "deploy", env_, "web", web_image, "-r", "3", "-p", "8080"});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.output;
  // The edge proxy of every host answers, each host reached at its own address.
  for (const auto& host : hosts_)
    EXPECT_EQ(http_get(fmt::format("http://{}:8080/", host.address)).body, "web 1\n") << host.container;
  int local_port = free_port();
  auto tunnelled = fetch_through_rsm({"tunnel", env_, "8080", "-p", std::to_string(local_port)}, local_port, "web 1");
  EXPECT_EQ(tunnelled.page, "web 1\n");
  // A command in a task, its input and output carried over ssh both ways.
  auto counted =
      run_process({"sh", "-c", fmt::format("printf 'a\\nb\\n' | {} app exec {} web -- wc -l", RSM_BINARY, env_)});
  EXPECT_EQ(counted.output, "2\n");
  EXPECT_EQ(counted.exit_code, 0);

  EXPECT_EQ(run_rsm({"app", "rm", env_, "web"}).exit_code, 0);
  auto removed = run_rsm({"db", "rm", env_, "-f"});
  EXPECT_EQ(removed.exit_code, 0) << removed.output;
}

TEST_F(SshNodes, LosingOneRegionKeepsTheDatabaseWritableWithNothingLost) {
  std::string image = real_rethinkdb_image();
  if (image.empty()) GTEST_SKIP() << "no RethinkDB image to test with: set RSM_TEST_RETHINKDB_IMAGE";
  auto created = run_rsm({"db", "create", env_, "--image", image});
  ASSERT_EQ(created.exit_code, 0) << created.output;
  constexpr int kDocuments = 1000;
  {
    auto db = connect_to_db(env_);
    db.connection->run(reql::r.db_create("regions"));
    db.connection->run(reql::r.db("regions").table_create("docs"));
    json rows = json::array();
    for (int i = 0; i < kDocuments; ++i) rows.push_back({{"id", i}});
    db.connection->run(reql::r.db("regions").table("docs").insert(rows));
  }
  auto replicated = run_rsm({"db", "replicate", env_});
  ASSERT_EQ(replicated.exit_code, 0) << replicated.output;
  {
    // One replica in each region, so any two regions hold a majority.
    auto db = connect_to_db(env_);
    auto config = db.connection->run(reql::r.db("rethinkdb").table("table_config")).to_array();
    ASSERT_EQ(config.size(), 1u);
    EXPECT_EQ(config[0]["shards"][0]["replicas"].size(), 3u) << config.dump();
  }

  // The third region goes away (its machine powers off) and the database stays writable
  // through the other two, with every document.
  engine::Client local(engine::Endpoint::from_environment());
  local.post("/containers/" + hosts_[2].container + "/stop?t=0");
  bool writable = false;
  for (int attempt = 0; attempt < 60 && !writable; ++attempt) {
    try {
      auto db = connect_to_db(env_);
      db.connection->run(reql::r.db("regions").table("docs").insert(reql::r.document({{"id", "while-down"}})));
      writable = db.connection->run(reql::r.db("regions").table("docs").count()).value().get<long>() > kDocuments;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
  EXPECT_TRUE(writable) << "not writable with every document within 30 s of losing a region";

  // Back after a reboot: the mesh comes up again by itself, the server rejoins.
  local.post("/containers/" + hosts_[2].container + "/start");
  bool ready = false;
  for (int attempt = 0; attempt < 120 && !ready; ++attempt) {
    ready = run_rsm({"db", "status", env_}).exit_code == 0;
    if (!ready) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  EXPECT_TRUE(ready) << run_rsm({"db", "status", env_}).output;
  EXPECT_EQ(run_rsm({"db", "rm", env_, "-f"}).exit_code, 0);
}

TEST_F(SshNodes, PullWhatARegistryHasThemselvesAlsoFromAMachineWithoutAnEngine) {
  // The image is only in a registry that this machine's engine cannot use (plain HTTP).
  std::string registry = lab_->add_registry(0);
  std::string image = registry + "/rsm-test/web:1";
  engine::Client local(engine::Endpoint::from_environment());
  ASSERT_FALSE(engine::has_image(local, image));
  {
    engine::Client host0(lab_->engine_of(hosts_[0]));
    std::string web = ensure_web_image(local, "1");
    engine::copy_image(local, host0, web);
    auto pushed = lab_->exec(hosts_[0], {"sh", "-c",
                                         fmt::format("for i in 1 2 3 4 5; do docker tag {0} {1} && docker push -q {1} "
                                                     ">/dev/null && exit 0; sleep 1; done; exit 1",
                                                     web, image)});
    ASSERT_EQ(pushed.exit_code, 0) << pushed.output;
    lab_->exec(hosts_[0], {"docker", "rmi", image, web});
  }
  // Driven from a machine without an engine of its own, as from a laptop without Docker.
  const std::map<std::string, std::string> no_engine{{"DOCKER_HOST", "unix:///nonexistent/docker.sock"}};
  auto deployed = run_rsm({"app", "deploy", env_, "pulled", image, "-p", "8080"}, no_engine);
  ASSERT_EQ(deployed.exit_code, 0) << deployed.output;
  EXPECT_NE(deployed.output.find("pulling " + image), std::string::npos) << deployed.output;
  EXPECT_EQ(deployed.output.find("loading " + image), std::string::npos) << deployed.output;
  EXPECT_EQ(http_get(fmt::format("http://{}:8080/", hosts_[2].address)).body, "web 1\n");
  EXPECT_EQ(run_rsm({"app", "rm", env_, "pulled"}, no_engine).exit_code, 0);

  auto file = state_->path() / "pulled.yaml";
  std::ofstream(file) << fmt::format(
      "env: {}\nnodes:\n  - {{driver: ssh, role: manager, ssh_key: {}, hosts: [{}, {}, {}]}}\n"
      "apps:\n  - {{name: pulled, image: '{}', replicas: 1, ports: [8080]}}\n",
      env_, lab_->key_file(), SshHostLab::login(hosts_[0]), SshHostLab::login(hosts_[1]), SshHostLab::login(hosts_[2]),
      image);
  auto up = run_rsm({"up", "-f", file.string()}, no_engine);
  ASSERT_EQ(up.exit_code, 0) << up.output;
  EXPECT_EQ(http_get(fmt::format("http://{}:8080/", hosts_[1].address)).body, "web 1\n");
  EXPECT_NE(run_rsm({"env", "ls"}, no_engine).output.find(env_), std::string::npos);
  EXPECT_EQ(run_rsm({"app", "rm", env_, "pulled"}, no_engine).exit_code, 0);

  // Local nodes cannot be seen there, and a command on them says why.
  auto unseen = run_rsm({"nodes", "ls", env_ + "l"}, no_engine);
  EXPECT_EQ(unseen.exit_code, 1) << unseen.output;
  EXPECT_NE(unseen.output.find("this machine's engine, which does not answer"), std::string::npos) << unseen.output;
}

TEST_F(SshNodes, ReRunningCreateWithTheSameHostsChangesNothing) {
  auto again = run_rsm(create_args(env_, SshHostLab::login(hosts_[0]), hosts_[0].region));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  auto rows = json::parse(run_rsm({"nodes", "ls", env_, "--json"}).output);
  EXPECT_EQ(rows.size(), 3u);
}

TEST_F(SshNodes, UpWithTheSameHostsInRsmYamlChangesNothing) {
  auto file = state_->path() / "rsm.yaml";
  std::ofstream(file) << fmt::format(
      "env: {}\nnodes:\n  - {{driver: ssh, role: manager, ssh_key: {}, hosts: [{}, {}, {}]}}\n", env_, lab_->key_file(),
      SshHostLab::login(hosts_[0]), SshHostLab::login(hosts_[1], "admin"), SshHostLab::login(hosts_[2]));
  auto up = run_rsm({"up", "-f", file.string()});
  ASSERT_EQ(up.exit_code, 0) << up.output;
  EXPECT_EQ(up.output.find("logging in"), std::string::npos) << "adopted hosts are not adopted again: " << up.output;
  EXPECT_EQ(json::parse(run_rsm({"nodes", "ls", env_, "--json"}).output).size(), 3u);
}

TEST_F(SshNodes, RunsACommandOnEveryHost) {
  auto ran = run_rsm({"nodes", "ssh", env_, "--", "cat", "/etc/hostname"});
  ASSERT_EQ(ran.exit_code, 0) << ran.output;
  for (const auto& host : hosts_) EXPECT_NE(ran.output.find(host.container), std::string::npos) << ran.output;
}

TEST_F(SshNodes, StreamAnImageAcrossTheLinkOnceThenPassItOnInsideTheMesh) {
  engine::Client local(engine::Endpoint::from_environment());
  std::string web = ensure_web_image(local, "2");
  for (const auto& host : hosts_) lab_->exec(host, {"docker", "rmi", "-f", web});
  auto loaded = run_rsm({"images", "load", env_, web});
  ASSERT_EQ(loaded.exit_code, 0) << loaded.output;
  auto count = [&](const std::string& text) {
    size_t n = 0;
    for (size_t at = loaded.output.find(text); at != std::string::npos; at = loaded.output.find(text, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("from this machine"), 1u) << loaded.output;
  EXPECT_EQ(count("over the mesh"), 2u) << loaded.output;
  std::string id = engine::image_id(local, web);
  for (const auto& host : hosts_) {
    auto inspected = lab_->exec(host, {"docker", "image", "inspect", "--format", "{{.Id}}", web});
    EXPECT_EQ(inspected.output, id + "\n") << host.container;
    // Nothing is left listening.
    EXPECT_EQ(lab_->exec(host, {"sh", "-c", "pgrep -f TCP-LISTE[N]"}).exit_code, 1) << host.container;
  }
}

// Regions 40 ms apart (20 ms out of each host): the swarm, the database and the edge keep
// working. The time to ready and a client's write latency there are bench/ssh_regions'.
TEST_F(SshNodes, KeepWorkingWithRegions40MsApart) {
  for (const auto& host : hosts_)
    if (auto why_not = lab_->delay(host, 20); !why_not.empty()) GTEST_SKIP() << why_not;
  struct Undelay {
    ~Undelay() {
      for (const auto& host : hosts_) lab_->delay(host, 0);
    }
  } undelay;
  engine::Client local(engine::Endpoint::from_environment());
  auto created = run_rsm({"db", "create", env_, "--image", ensure_fake_rethinkdb_image(local), "--no-wait"});
  ASSERT_EQ(created.exit_code, 0) << created.output;
  auto rows = json::parse(run_rsm({"nodes", "ls", env_, "--json"}).output);
  for (const auto& row : rows) EXPECT_EQ(row["status"], "ready") << row.dump();
  auto deployed = run_rsm({"app", "deploy", env_, "web", ensure_web_image(local, "1"), "-r", "1", "-p", "8080"});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.output;
  for (const auto& host : hosts_)
    EXPECT_EQ(http_get(fmt::format("http://{}:8080/", host.address)).body, "web 1\n") << host.container;
  EXPECT_EQ(run_rsm({"app", "rm", env_, "web"}).exit_code, 0);
  EXPECT_EQ(run_rsm({"db", "rm", env_, "-f"}).exit_code, 0);
}

TEST_F(SshNodes, RefusesAChangedHostKey) {
  ASSERT_EQ(
      lab_->exec(hosts_[0], {"sh", "-c", "rm /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null && systemctl restart ssh"})
          .exit_code,
      0);
  auto refused = run_rsm({"nodes", "ssh", env_, "--", "true"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("host key"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("ssh-keygen -f"), std::string::npos) << refused.output;
  // The fix the message names makes the host reachable again.
  auto known = state_->path() / "rsm/ssh" / env_ / "known_hosts";
  ASSERT_EQ(run_process({"ssh-keygen", "-f", known.string(), "-R", hosts_[0].address}).exit_code, 0);
  auto repinned = run_rsm(create_args(env_, SshHostLab::login(hosts_[0]), hosts_[0].region));
  EXPECT_EQ(repinned.exit_code, 0) << repinned.output;
}

TEST_F(SshNodes, FirewallAdmitsMembersAndTheEdgeOnlyAndTheSwarmRunsEncrypted) {
  engine::Client local(engine::Endpoint::from_environment());
  std::string web = ensure_web_image(local, "1");
  // One task: the other two hosts' proxies reach it across the router, on the overlay.
  auto deployed = run_rsm({"app", "deploy", env_, "web", web, "-r", "1", "-p", "8080"});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.output;
  EXPECT_NE(deployed.output.find("firewall set on 3 node(s)"), std::string::npos) << deployed.output;
  // A port the user's own container publishes on a host is closed to the world too.
  ASSERT_EQ(lab_->exec(hosts_[0], {"docker", "run", "-d", "--name", "users-web", "-p", "9999:8080", web}).exit_code, 0);
  // A port something else takes on a node is refused before anything is made: the
  // container's, and a process of the machine's own.
  ASSERT_EQ(lab_->exec(hosts_[1], {"sh", "-c", "nohup nc -lk 9998 >/dev/null 2>&1 &"}).exit_code, 0);
  for (auto [port, by] :
       {std::pair{"9999", "manager-1 by container users-web"}, std::pair{"9998", "manager-2 by nc"}}) {
    auto refused = run_rsm({"app", "deploy", env_, "clash", web, "-p", port});
    EXPECT_EQ(refused.exit_code, 2) << refused.output;
    EXPECT_NE(refused.output.find(fmt::format("port {} is taken on {}-{}", port, env_, by)), std::string::npos)
        << refused.output;
  }
  EXPECT_EQ(run_rsm({"app", "ls", env_}).output.find("clash"), std::string::npos);
  lab_->exec(hosts_[1], {"pkill", "-f", "nc -lk 9998"});

  // Captured on the wire of a host while requests cross the overlay to the task (not the
  // requests to the edge port themselves, which come from the world in clear text).
  auto capture = std::async(std::launch::async, [&] {
    return lab_
        ->exec(hosts_[2], {"timeout", "6", "tcpdump", "-i", "eth0", "-nn", "-A", "not port 22 and not port 8080"})
        .output;
  });
  std::this_thread::sleep_for(std::chrono::seconds(1));
  for (int i = 0; i < 20; ++i)
    for (const auto& host : hosts_)
      EXPECT_EQ(http_get(fmt::format("http://{}:8080/", host.address)).body, "web 1\n") << host.container;
  std::string wire = capture.get();
  EXPECT_NE(wire.find(".51820: UDP"), std::string::npos) << "no WireGuard packets seen";
  EXPECT_EQ(wire.find(".4789: "), std::string::npos) << "VXLAN outside the mesh";
  // What the proxy on hosts_[2] asked the task, and its answer, never in clear text.
  EXPECT_EQ(wire.find("GET / HTTP"), std::string::npos);
  EXPECT_EQ(wire.find("web 1"), std::string::npos);

  // A machine that is no member (the spare host, in region 0) finds nothing open but the edge.
  for (const auto& host : hosts_) {
    auto probe = [&](int port) {
      return lab_->exec(*spare_, {"nc", "-z", "-w", "2", host.address, std::to_string(port)}).exit_code == 0;
    };
    EXPECT_TRUE(probe(8080)) << host.container;
    for (int port : {2377, 7946, 28015, 29015, 8080 + 1, 9999})
      EXPECT_FALSE(probe(port)) << host.container << ":" << port;
  }
  // From this machine (a member's gateway is no member either) the user's port is closed,
  // while on the host itself it answers.
  EXPECT_EQ(lab_->exec(hosts_[0], {"sh", "-c", "nc -z -w 2 127.0.0.1 9999"}).exit_code, 0);
  lab_->exec(hosts_[0], {"docker", "rm", "-f", "users-web"});
  EXPECT_EQ(run_rsm({"app", "rm", env_, "web"}).exit_code, 0);
}

TEST_F(SshNodes, SaysWhatAHostNeedsInOneLine) {
  std::string other = env_ + "x";
  struct Case {
    std::string login;
    std::string expected;
  };
  std::vector<Case> cases{
      {SshHostLab::login(*spare_, "nobody"), "cannot log in"},
      {SshHostLab::login(*spare_, "plain"), "passwordless sudo"},
      {SshHostLab::login(*spare_) + ":2", "cannot reach"},
      {SshHostLab::login(hosts_[0]), "already node"},
      {"root@two words", "invalid --host"},
      {"-oProxyCommand=true", "invalid --host"},
  };
  for (const auto& c : cases) {
    auto result = run_rsm(create_args(other, c.login, "x"));
    EXPECT_NE(result.exit_code, 0) << c.login;
    EXPECT_NE(result.output.find(c.expected), std::string::npos) << c.login << ": " << result.output;
  }
  // Nothing of the failed environment is left.
  auto listed = run_rsm({"nodes", "ls", other});
  EXPECT_NE(listed.exit_code, 0) << listed.output;
}

TEST_F(SshNodes, RefusesToJoinLocalNodesOutsideTheMesh) {
  std::string local = env_ + "l";
  ASSERT_EQ(run_rsm({"nodes", "create", local, "-m", "1", "-q"}).exit_code, 0);
  auto refused = run_rsm(create_args(local, SshHostLab::login(*spare_), "x"));
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("outside the mesh machines elsewhere join: make them with --mesh"), std::string::npos)
      << refused.output;
  EXPECT_EQ(run_rsm({"nodes", "create", local, "-w", "1", "--mesh", "-q"}).exit_code, 2);
  EXPECT_EQ(run_rsm({"nodes", "rm", local, "-f"}).exit_code, 0);
}

TEST_F(SshNodes, InstallsTheEngineFromTheHostsPackageMirror) {
  std::string other = env_ + "x";
  auto created = run_rsm(create_args(other, SshHostLab::login(*spare_, "admin"), "spare"));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_EQ(lab_->exec(*spare_, {"docker", "info", "--format", "{{.Swarm.LocalNodeState}}"}).output, "active\n");
  auto removed = run_rsm({"nodes", "rm", other, "-f"});
  ASSERT_EQ(removed.exit_code, 0) << removed.output;
  EXPECT_EQ(traces(*spare_), "inactive\n");
}

// The spare host has its engine now (the test above installed it).
TEST_F(SshNodes, LocalNodesBehindNatShareASwarmWithAHostElsewhere) {
  std::string mixed = env_ + "m";
  auto local = run_rsm({"nodes", "create", mixed, "-m", "1", "--mesh", "-q"});
  ASSERT_EQ(local.exit_code, 0) << local.output;
  auto rows = json::parse(run_rsm({"nodes", "ls", mixed, "--json"}).output);
  std::string bridge = rows.at(0)["address"];
  lab_->let_out_through_nat(bridge.substr(0, bridge.rfind('.')) + ".0/24");

  auto joined = run_rsm(create_args(mixed, SshHostLab::login(*spare_), "far"));
  ASSERT_EQ(joined.exit_code, 0) << joined.output;
  rows = json::parse(run_rsm({"nodes", "ls", mixed, "--json"}).output);
  ASSERT_EQ(rows.size(), 2u) << rows.dump();
  EXPECT_EQ(rows[0]["driver"], "local");
  EXPECT_EQ(rows[0]["swarm_address"], "10.218.1.1");
  EXPECT_EQ(rows[1]["driver"], "ssh");
  for (const auto& row : rows) EXPECT_EQ(row["status"], "ready") << row.dump();

  // One task; the other node's edge reaches it over the overlay, inside the mesh.
  engine::Client engine(engine::Endpoint::from_environment());
  std::string web = ensure_web_image(engine, "1");
  auto deployed = run_rsm({"app", "deploy", mixed, "web", web, "-r", "1", "-p", "8080"});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.output;
  for (const std::string& address : {bridge, spare_->address})
    for (int i = 0; i < 5; ++i) EXPECT_EQ(http_get(fmt::format("http://{}:8080/", address)).body, "web 1\n") << address;

  // The host elsewhere leaves alone: its task moves to the local node, the mesh forgets it,
  // and nothing of rsm's stays on it.
  auto left = run_rsm({"nodes", "rm", mixed, rows[1]["name"], "-f"});
  ASSERT_EQ(left.exit_code, 0) << left.output;
  EXPECT_EQ(traces(*spare_), "inactive\n");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(http_get(fmt::format("http://{}:8080/", bridge)).body, "web 1\n");
  auto peers = run_rsm({"nodes", "ssh", mixed, "--", "wg", "show", "rsm0", "peers"});
  EXPECT_EQ(peers.exit_code, 0) << peers.output;
  EXPECT_EQ(peers.output.find('='), std::string::npos) << "no peer keys left: " << peers.output;

  auto removed = run_rsm({"nodes", "rm", mixed, "-f"});
  ASSERT_EQ(removed.exit_code, 0) << removed.output;
}

// A machine in an office behind NAT, its router forwarding only ssh: it calls the others
// over the mesh, which learns where it is from its first packet.
TEST_F(SshNodes, AHostBehindNatWithOnlySshForwardedJoinsTheMesh) {
  std::string natted = env_ + "n";
  auto inside = lab_->add_host(lab_->add_nat_region());
  auto outside = lab_->add_host(1);
  auto created = run_rsm(create_args(natted, SshHostLab::login(outside), outside.region));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  auto joined = run_rsm(create_args(natted, SshHostLab::login(inside), "office"));
  ASSERT_EQ(joined.exit_code, 0) << joined.output;
  auto rows = json::parse(run_rsm({"nodes", "ls", natted, "--json"}).output);
  ASSERT_EQ(rows.size(), 2u) << rows.dump();
  for (const auto& row : rows) EXPECT_EQ(row["status"], "ready") << row.dump();

  // One task; the other machine's edge reaches it over the overlay, inside the mesh.
  engine::Client engine(engine::Endpoint::from_environment());
  auto deployed = run_rsm({"app", "deploy", natted, "web", ensure_web_image(engine, "1"), "-r", "1", "-p", "8080"});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.output;
  for (const auto& host : {inside, outside})
    for (int i = 0; i < 5; ++i)
      EXPECT_EQ(http_get(fmt::format("http://{}:8080/", host.address)).body, "web 1\n") << host.container;

  auto removed = run_rsm({"nodes", "rm", natted, "-f"});
  ASSERT_EQ(removed.exit_code, 0) << removed.output;
  EXPECT_EQ(traces(inside), "inactive\n");
  EXPECT_EQ(traces(outside), "inactive\n");
}

TEST_F(SshNodes, ForgetAMachineThatIsGoneOnlyWhenTold) {
  std::string gone = env_ + "g";
  auto host = lab_->add_host(1);
  auto created = run_rsm(create_args(gone, SshHostLab::login(host), host.region));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  engine::Client(engine::Endpoint::from_environment()).post("/containers/" + host.container + "/stop?t=0");

  auto refused = run_rsm({"nodes", "rm", gone, "-f"});
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("cannot reach root@" + host.address), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("--forget-unreachable"), std::string::npos) << refused.output;
  EXPECT_EQ(run_rsm({"nodes", "ls", gone}).exit_code, 0) << "the record stays until the user says otherwise";

  auto forgotten = run_rsm({"nodes", "rm", gone, "-f", "--forget-unreachable"});
  EXPECT_EQ(forgotten.exit_code, 0) << forgotten.output;
  EXPECT_NE(forgotten.output.find("dropped from rsm's records"), std::string::npos) << forgotten.output;
  EXPECT_EQ(run_rsm({"nodes", "ls", gone}).exit_code, 2);
}

TEST_F(SshNodes, RefusesAnAddressTheOthersCannotReachBeforeJoining) {
  std::string nowhere = spare_->address.substr(0, spare_->address.rfind('.')) + ".99";
  auto refused = run_rsm({"nodes", "create", env_, "-d", "ssh", "--host", SshHostLab::login(*spare_), "--ssh-key",
                          lab_->key_file(), "--advertise", nowhere});
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("do not reach each other over UDP 51820"), std::string::npos) << refused.output;
  EXPECT_EQ(lab_->exec(*spare_, {"docker", "info", "--format", "{{.Swarm.LocalNodeState}}"}).output, "inactive\n");
  // The same command with the right address continues where that one stopped.
  auto joined = run_rsm({"nodes", "create", env_, "-d", "ssh", "--host", SshHostLab::login(*spare_), "--ssh-key",
                         lab_->key_file(), "--advertise", spare_->address});
  ASSERT_EQ(joined.exit_code, 0) << joined.output;
  auto rows = json::parse(run_rsm({"nodes", "ls", env_, "--json"}).output);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[3]["name"], env_ + "-worker-1");
  EXPECT_EQ(rows[3]["status"], "ready");
}

TEST_F(SshNodes, RemovalLeavesEachHostAsItWas) {
  auto removed = run_rsm({"nodes", "rm", env_, "-f"});
  ASSERT_EQ(removed.exit_code, 0) << removed.output;
  for (const auto& host : hosts_) EXPECT_EQ(traces(host), "inactive\n") << host.container;
  EXPECT_EQ(traces(*spare_), "inactive\n");
  auto volumes = lab_->exec(hosts_[1], {"docker", "volume", "ls", "-q"});
  EXPECT_NE(volumes.output.find("users-own"), std::string::npos) << volumes.output;
  EXPECT_NE(run_rsm({"nodes", "ls", env_}).exit_code, 0);
}

}  // namespace
