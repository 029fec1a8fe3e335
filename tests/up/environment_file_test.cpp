// rsm.yaml: what `rsm up` reads, and the one-line errors for what it refuses.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/temp_folder.h"
#include "up/environment_file.h"
#include "util/error.h"

using rsm::up::parse_environment_file;

namespace {

std::string error_of(const std::string& text) {
  try {
    parse_environment_file(text, "rsm.yaml");
  } catch (const rsm::UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(EnvironmentFile, ReadsNodesDatabaseAndApps) {
  auto file = parse_environment_file(R"(
env: dev
nodes: {managers: 3, workers: 1}
db: {image: rethinkdb:2.4.4-bookworm-slim, replicas: 3}
apps:
  - name: rethinkswarmmode
    image: rethinkswarmmode:1
    source: samples/rethinkswarmmode
    packages: [libpq-dev]
    replicas: 6
    ports: [9090]
    env: {PORT: "9090", RETHINKDB_HOSTS: "db:28015"}
    secrets: [rsm-db-password]
    health_cmd: /rethinkswarmmode healthcheck
)",
                                     "config/rsm.yaml");
  EXPECT_EQ(file.env, "dev");
  EXPECT_EQ(file.node_groups.at(0).managers, 3);
  EXPECT_EQ(file.node_groups.at(0).workers, 1);
  EXPECT_EQ(file.node_groups.at(0).driver, "local");
  ASSERT_TRUE(file.db.has_value());
  EXPECT_EQ(file.db->image, "rethinkdb:2.4.4-bookworm-slim");
  EXPECT_EQ(file.db->replicas, 3);
  EXPECT_TRUE(file.db->wait);
  ASSERT_EQ(file.apps.size(), 1u);
  const auto& app = file.apps[0];
  EXPECT_EQ(app.request.name, "rethinkswarmmode");
  EXPECT_EQ(app.replicas, 6);
  EXPECT_EQ(app.request.ports, std::vector<int>{9090});
  EXPECT_EQ(app.request.variables, (std::vector<std::string>{"PORT=9090", "RETHINKDB_HOSTS=db:28015"}));
  EXPECT_EQ(app.request.secrets, std::vector<std::string>{"rsm-db-password"});
  EXPECT_EQ(app.request.health_command, (std::vector<std::string>{"/rethinkswarmmode", "healthcheck"}));
  EXPECT_EQ(app.source, std::filesystem::path("config/samples/rethinkswarmmode")) << "relative to the file";
  EXPECT_EQ(app.target, "");
  EXPECT_EQ(app.packages, std::vector<std::string>{"libpq-dev"});
}

TEST(EnvironmentFile, DefaultsToOneManagerAndNoDatabase) {
  auto file = parse_environment_file("env: tst\n", "rsm.yaml");
  EXPECT_EQ(file.node_groups.at(0).managers, 1);
  EXPECT_EQ(file.node_groups.at(0).workers, 0);
  EXPECT_FALSE(file.db.has_value());
  EXPECT_TRUE(file.apps.empty());
  EXPECT_TRUE(parse_environment_file("env: tst\ndb:\n", "rsm.yaml").db.has_value());
}

TEST(EnvironmentFile, RefusesWhatItDoesNotKnowNamingTheLine) {
  EXPECT_EQ(error_of("env: dev\nnodes: {managers: 3, workrs: 1}\n"), "rsm.yaml:2: unknown key 'workrs' in nodes");
  EXPECT_EQ(error_of("env: dev\nnodes: {managers: lots}\n"), "rsm.yaml:2: managers has the wrong type");
  EXPECT_EQ(error_of("apps:\n  - name: web\n"), "rsm.yaml:2: every app needs a name and an image");
  EXPECT_EQ(error_of("apps:\n  - {name: Web_1, image: x}\n"),
            "rsm.yaml:2: invalid app name 'Web_1': use a-z, 0-9 and '-', starting with a letter");
  EXPECT_EQ(error_of("nodes: {managers: 0}\n"), "rsm.yaml:1: an environment needs at least one manager");
  EXPECT_NE(error_of("env: [unclosed\n").find("rsm.yaml:"), std::string::npos);
}

TEST(EnvironmentFile, ReadsGroupsOfNodesOfSeveralDrivers) {
  auto file = parse_environment_file(
      "env: prd\n"
      "nodes:\n"
      "  - {driver: local, managers: 1}\n"
      "  - {driver: ssh, role: manager, hosts: [root@198.51.100.7], region: fra, ssh_key: /k}\n"
      "  - {driver: ssh, hosts: ['admin@203.0.113.9:2222', root@203.0.113.10], region: nyc}\n",
      "rsm.yaml");
  ASSERT_EQ(file.node_groups.size(), 3u);
  EXPECT_EQ(file.node_groups[0].driver, "local");
  EXPECT_EQ(file.node_groups[0].managers, 1);
  EXPECT_TRUE(file.node_groups[0].mesh) << "local nodes beside machines elsewhere are in the mesh";
  const auto& fra = file.node_groups[1];
  EXPECT_EQ(fra.driver, "ssh");
  EXPECT_EQ(fra.hosts, std::vector<std::string>{"root@198.51.100.7"});
  EXPECT_EQ(fra.managers, 1);
  EXPECT_EQ(fra.region, "fra");
  EXPECT_EQ(fra.ssh_key, "/k");
  const auto& nyc = file.node_groups[2];
  EXPECT_EQ(nyc.hosts.size(), 2u);
  EXPECT_EQ(nyc.managers, 0);
  EXPECT_EQ(nyc.workers, 2) << "hosts without a role are workers";

  EXPECT_EQ(error_of("nodes:\n  - {driver: ssh, role: worker, hosts: [a]}\n"),
            "rsm.yaml:2: an environment needs at least one manager");
  EXPECT_EQ(error_of("nodes:\n  - {driver: ssh, managers: 1}\n"),
            "rsm.yaml:2: a group with driver: ssh names its machines in hosts");
  EXPECT_EQ(error_of("nodes:\n  - {driver: ssh, role: boss, hosts: [a]}\n"), "rsm.yaml:2: role is manager or worker");
  EXPECT_EQ(error_of("nodes:\n  - {managers: 1, hosts: [a]}\n"), "rsm.yaml:2: hosts are for groups with driver: ssh");
  EXPECT_EQ(error_of("nodes:\n  - {driver: ssh, role: manager, hosts: [a], mesh: true}\n"),
            "rsm.yaml:2: mesh is for groups with driver: local");
  EXPECT_FALSE(parse_environment_file("nodes: {managers: 1}\n", "rsm.yaml").node_groups.at(0).mesh);
  EXPECT_TRUE(parse_environment_file("nodes: {managers: 1, mesh: true}\n", "rsm.yaml").node_groups.at(0).mesh);
}

TEST(EnvironmentFile, ReadsDropletGroupsOneManagerPerRegion) {
  auto file = parse_environment_file(
      "nodes:\n"
      "  - {driver: digitalocean, managers: 1, region: nyc3}\n"
      "  - {driver: digitalocean, managers: 1, workers: 1, region: fra1, size: s-2vcpu-4gb}\n"
      "  - {driver: digitalocean, managers: 1, region: sgp1, image: ubuntu-24-04-x64}\n"
      "  - {driver: local, workers: 1}\n",
      "rsm.yaml");
  ASSERT_EQ(file.node_groups.size(), 4u);
  EXPECT_EQ(file.node_groups[0].driver, "digitalocean");
  EXPECT_EQ(file.node_groups[0].region, "nyc3");
  EXPECT_EQ(file.node_groups[1].size, "s-2vcpu-4gb");
  EXPECT_EQ(file.node_groups[1].workers, 1);
  EXPECT_EQ(file.node_groups[2].image, "ubuntu-24-04-x64");
  EXPECT_TRUE(file.node_groups[3].mesh) << "local nodes beside droplets are in the mesh";
  EXPECT_EQ(error_of("nodes: {managers: 1, size: s-1vcpu-2gb}\n"),
            "rsm.yaml:1: size is for groups with driver: digitalocean");
  EXPECT_EQ(error_of("nodes:\n  - {driver: digitalocean, role: manager, hosts: [a]}\n"),
            "rsm.yaml:2: hosts are for groups with driver: ssh");
}

TEST(EnvironmentFile, ReadsTheDatabaseHeartbeat) {
  EXPECT_EQ(parse_environment_file("db: {heartbeat: 4}\n", "rsm.yaml").db->heartbeat, 4);
  EXPECT_EQ(parse_environment_file("db: {replicas: 3}\n", "rsm.yaml").db->heartbeat, 0) << "the cluster's own";
  EXPECT_EQ(error_of("db: {heartbeat: 1}\n"), "rsm.yaml:1: heartbeat takes 2 to 60 seconds");
}

TEST(EnvironmentFile, ReadsTheBackupSchedule) {
  auto file = parse_environment_file("db:\n  backup: {every: 6h, keep: 7}\n", "rsm.yaml");
  ASSERT_TRUE(file.backups);
  EXPECT_EQ(file.backups->every, std::chrono::hours(6));
  EXPECT_EQ(file.backups->keep, 7);
  EXPECT_EQ(parse_environment_file("db: {backup: {every: 1d}}\n", "rsm.yaml").backups->keep, 14);
  EXPECT_FALSE(parse_environment_file("db: {replicas: 3}\n", "rsm.yaml").backups);
  EXPECT_EQ(error_of("db:\n  backup: {keep: 3}\n"), "rsm.yaml:2: backup needs every: a duration (6h, 1d...)");
  EXPECT_EQ(error_of("db:\n  backup: {every: 6h, keep: 0}\n"), "rsm.yaml:2: keep takes 1 or more");
  EXPECT_EQ(error_of("db:\n  backup: {every: 6h, at: 3am}\n"), "rsm.yaml:2: unknown key 'at' in backup");
}

TEST(EnvironmentFile, NamesTheKeysTheUserWroteNotTheFlags) {
  EXPECT_EQ(error_of("db:\n  image: x\n  servers_per_node: 0\n"), "rsm.yaml:3: servers_per_node takes 1 to 9");
  EXPECT_EQ(error_of("db: {replicas: -1}\n"), "rsm.yaml:1: replicas takes 1 to 9");
  EXPECT_EQ(error_of("apps:\n  - {name: web, image: x, replicas: -2}\n"), "rsm.yaml:2: replicas: cannot be negative");
  EXPECT_EQ(error_of("apps:\n  - {name: web, image: x, ports: [0]}\n"), "rsm.yaml:2: invalid port 0 in ports:");
  EXPECT_EQ(error_of("apps:\n  - {name: web, image: x, timeout: 10ms}\n"), "rsm.yaml:2: timeout: takes 50ms to 1h");
}

TEST(EnvironmentFile, ReadsAnAppsAnswerTimeout) {
  using namespace std::chrono_literals;
  auto file = parse_environment_file("apps:\n  - {name: web, image: x, timeout: 1m30s}\n  - {name: api, image: y}\n",
                                     "rsm.yaml");
  EXPECT_EQ(file.apps.at(0).request.timeout, 90s);
  EXPECT_EQ(file.apps.at(1).request.timeout, rsm::app::kDefaultTimeout);
  EXPECT_EQ(error_of("apps:\n  - name: web\n    image: x\n    timeout: 30\n"),
            "rsm.yaml:4: timeout: takes a duration such as 500ms, 30s, 5m or 6h, not '30'");
}

TEST(EnvironmentFile, ReadsAnAppsRoutesAndHealth) {
  using namespace std::chrono_literals;
  auto file = parse_environment_file(R"(apps:
  - name: site
    image: x
    ports: [8080]
    hosts: [Example.COM, www.example.com]
    path: /shop/
    health: {path: /up, interval: 5s}
  - {name: api, image: y, hosts: [api.example.com], http_port: 9090}
)",
                                     "rsm.yaml");
  const auto& site = file.apps.at(0).request;
  EXPECT_EQ(site.hosts, (std::vector<std::string>{"example.com", "www.example.com"}));
  EXPECT_EQ(site.path, "/shop");
  EXPECT_EQ(site.route_port(), 8080) << "the first port";
  EXPECT_EQ(site.health_path, "/up");
  EXPECT_EQ(site.health_interval, 5s);
  EXPECT_EQ(file.apps.at(1).request.route_port(), 9090);
  EXPECT_EQ(file.apps.at(1).request.health_path, "/healthz");
  EXPECT_EQ(error_of("apps:\n  - {name: web, image: x, hosts: [a_b.com]}\n"),
            "rsm.yaml:2: hosts: takes host names such as www.example.com, not 'a_b.com'");
  EXPECT_EQ(error_of("apps:\n  - {name: web, image: x, path: /a}\n"),
            "rsm.yaml:2: path: routes part of a host's requests: give the host too (hosts:)");
  EXPECT_EQ(error_of("apps:\n  - {name: web, image: x, hosts: [a.com], ports: [80]}\n"),
            "rsm.yaml:2: port 80 takes the requests for hosts:; leave it out of ports:");
  EXPECT_EQ(error_of("apps:\n  - {name: web, image: x, health: {interval: 1ms}}\n"),
            "rsm.yaml:2: health: interval: takes 100ms to 1m");
}

TEST(EnvironmentFile, ReadsAnAppsCertificateBesideTheFile) {
  auto file = parse_environment_file(R"(apps:
  - name: site
    image: x
    hosts: [example.com]
    tls: {cert: certs/site.pem, key: /etc/keys/site.key}
    redirect: false
    hsts: true
)",
                                     "/srv/site/rsm.yaml");
  const auto& site = file.apps.at(0).request;
  EXPECT_EQ(site.tls_certificate, "/srv/site/certs/site.pem") << "beside the file, as source: is";
  EXPECT_EQ(site.tls_key, "/etc/keys/site.key");
  EXPECT_FALSE(site.redirect);
  EXPECT_TRUE(site.hsts);
  EXPECT_EQ(error_of("apps:\n  - {name: web, image: x, tls: {cert: a.pem, key: a.key}}\n"),
            "rsm.yaml:2: tls: cert: is for the app's host names: give them too (hosts:)");
  EXPECT_EQ(error_of("apps:\n  - {name: web, image: x, hosts: [a.com], tls: {cert: a.pem}}\n"),
            "rsm.yaml:2: tls takes both cert: and key:");
  EXPECT_EQ(error_of("apps:\n  - {name: web, image: x, hosts: [a.com], tls: off, hsts: true}\n"),
            "rsm.yaml:2: hsts: is for HTTPS, which tls: off turns off");
  EXPECT_EQ(error_of("apps:\n  - {name: web, image: x, hosts: [a.com], tls: maybe}\n"),
            "rsm.yaml:2: tls: takes auto or off (or a certificate of yours: tls: cert: and tls: key:), not 'maybe'");
  auto defaults = parse_environment_file(
      "acme: {directory: 'https://ca.example/dir', email: ops@example.com}\napps:\n  - {name: web, image: x, "
      "hosts: [a.com]}\n  - {name: api, image: y, hosts: [b.com], tls: off}\n  - {name: tcp, image: z, ports: [9]}\n",
      "rsm.yaml");
  EXPECT_EQ(defaults.apps[0].request.tls, "auto") << "the default with hosts";
  EXPECT_EQ(defaults.apps[0].request.acme.directory, "https://ca.example/dir");
  EXPECT_EQ(defaults.apps[0].request.acme.email, "ops@example.com");
  EXPECT_EQ(defaults.apps[1].request.tls, "off");
  EXPECT_EQ(defaults.apps[2].request.tls, "") << "no hosts, no HTTPS";
}

TEST(EnvironmentFile, TheSampleFileInTheRepositoryReads) {
  auto file = rsm::up::read_environment_file(std::string(RSM_SOURCE_DIR) + "/rsm.yaml");
  EXPECT_EQ(file.node_groups.at(0).managers, 3);
  ASSERT_EQ(file.apps.size(), 1u);
  EXPECT_EQ(file.apps[0].replicas, 6);
  EXPECT_EQ(file.apps[0].request.ports, std::vector<int>{9090});
  ASSERT_TRUE(file.apps[0].source.has_value()) << "the sample app is built from this repository";
  EXPECT_TRUE(std::filesystem::exists(*file.apps[0].source / "CMakeLists.txt"));
}

TEST(EnvironmentFile, VariablesComeFromTheGivenLookupWithDefaultsAndEscapes) {
  rsm::up::Variables variables = [](const std::string& name) -> std::optional<std::string> {
    if (name == "TAG") return "7";
    return std::nullopt;
  };
  auto file = parse_environment_file(
      "env: ${ENV_NAME:-tst}\napps:\n  - name: web\n    image: web:${TAG}\n    env: {NOTE: \"$${TAG} stays\"}\n",
      "rsm.yaml", variables);
  EXPECT_EQ(file.env, "tst");
  EXPECT_EQ(file.apps.at(0).request.image, "web:7");
  EXPECT_EQ(file.apps.at(0).request.variables, std::vector<std::string>{"NOTE=${TAG} stays"});
  try {
    parse_environment_file("env: dev\napps:\n  - name: web\n    image: web:${NOPE}\n", "rsm.yaml", variables);
    ADD_FAILURE() << "an unset variable was taken";
  } catch (const rsm::UsageError& e) {
    EXPECT_STREQ(e.what(),
                 "rsm.yaml:4: ${NOPE} is not set (in the environment nor in .env); set it, or write ${NOPE:-DEFAULT}");
  }
}

TEST(EnvironmentFile, SecretsComeFromAVariableOrAFileBesideIt) {
  rsm::testing::TempFolder folder("rsm-env-file-secrets");
  folder.write("keys/api.txt", "s3cret\n");
  folder.write(".env", "# the variables of this folder\nexport DB_KEY='k3y'\nOTHER=1\n");
  auto path = (folder / "rsm.yaml").string();
  auto file = parse_environment_file("secrets:\n  api: {from_file: keys/api.txt}\n  db: {from_env: DB_KEY}\n", path,
                                     rsm::up::environment_variables(folder / ".env"));
  EXPECT_EQ(file.secrets.at("api"), "s3cret\n") << "a file is taken as it is";
  EXPECT_EQ(file.secrets.at("db"), "k3y");
  EXPECT_EQ(error_of("secrets:\n  db: {from_env: RSM_TEST_NEVER_SET}\n"),
            "rsm.yaml:2: secret db: RSM_TEST_NEVER_SET is not set (in the environment nor in .env)");
  EXPECT_EQ(error_of("secrets:\n  db: {from_env: A, from_file: b}\n"),
            "rsm.yaml:2: secret db takes one of from_env and from_file");
}
