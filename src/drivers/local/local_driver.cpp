// Local nodes as containers of this machine's engine: found by their labels, each with a
// fixed address on its environment's bridge network and two volumes (its engine's data,
// and the folder of sockets rsm reaches it through).
#include "drivers/local/local_driver.h"

#include <algorithm>
#include <cstdint>
#include <set>

#include <fmt/format.h>

#include "drivers/local/node_image.h"
#include "drivers/local/subnet.h"
#include "engine/url.h"
#include "util/error.h"
#include "util/poll.h"
#include "util/state_dir.h"

namespace rsm::drivers {

using engine::json;
using engine::Method;

namespace {

constexpr const char* kEnvLabel = "rsm.env";
constexpr const char* kRoleLabel = "rsm.role";
constexpr const char* kIndexLabel = "rsm.index";
constexpr const char* kDriverLabel = "rsm.driver";
constexpr const char* kAddressLabel = "rsm.address";
constexpr const char* kRegionLabel = "rsm.region";
constexpr const char* kMeshLabel = "rsm.mesh";

// The pool local environments take their /24 from; chosen to stay clear of Docker's own
// default pools (172.17-31.x, 192.168.x) and of swarm's overlay pool (10.0.x.x).
constexpr std::string_view kSubnetPool = "10.213.0.0/16";

std::string data_volume(const std::string& node) { return node + "-docker"; }
std::string socket_volume(const std::string& node) { return node + "-socket"; }

std::string filters(std::initializer_list<std::string> labels) {
  return engine::encode_filters({{"label", std::vector<std::string>(labels)}});
}

}  // namespace

LocalDriver::LocalDriver(engine::Endpoint host) : host_(std::move(host)) {}

std::vector<std::string> LocalDriver::environments() {
  std::set<std::string> envs;
  for (const auto& container : host_.get("/containers/json?all=1&filters=" + filters({"rsm.driver=local"})))
    envs.insert(container["Labels"].value(kEnvLabel, ""));
  envs.erase("");
  return {envs.begin(), envs.end()};
}

std::vector<Node> LocalDriver::list(const std::string& env) {
  std::vector<Node> nodes;
  for (const auto& container :
       host_.get("/containers/json?all=1&filters=" + filters({"rsm.driver=local", "rsm.env=" + env})))
    nodes.push_back(node_from_container(container));
  sort_managers_first(nodes);
  return nodes;
}

Node LocalDriver::node_from_container(const json& container) {
  const json& labels = container["Labels"];
  Node node;
  node.name = container["Names"].at(0).get<std::string>().substr(1);
  node.env = labels.value(kEnvLabel, "");
  node.driver = "local";
  node.role = parse_role(labels.value(kRoleLabel, "")).value_or(Role::Worker);
  node.index = std::stoi(labels.value(kIndexLabel, "0"));
  node.state = container.value("State", "");
  node.address = labels.value(kAddressLabel, "");
  node.public_address = node.address;
  node.region = labels.value(kRegionLabel, "");
  node.in_mesh = labels.value(kMeshLabel, "") == "yes";
  node.engine = node_engine(node.name);
  return node;
}

std::string LocalDriver::docker_root() {
  std::lock_guard lock(mutex_);
  if (docker_root_.empty()) docker_root_ = host_.get("/info").value("DockerRootDir", "/var/lib/docker");
  return docker_root_;
}

std::string LocalDriver::node_socket(const Node& node, const std::string& name) {
  // The socket volume is mounted at kNodeSocketFolder in the node (see entrypoint.sh);
  // the local volume driver keeps its files at <root>/volumes/<name>/_data.
  return fmt::format("{}/volumes/{}/_data/{}", docker_root(), socket_volume(node.name), name);
}

engine::Endpoint LocalDriver::node_engine(const std::string& node_name) {
  if (host_.endpoint().kind != engine::Endpoint::Kind::Unix)
    throw UsageError(
        fmt::format("the local driver reaches its nodes through sockets on the machine that runs dockerd; "
                    "run rsm there (DOCKER_HOST is {})",
                    host_.endpoint().to_string()));
  Node node;
  node.name = node_name;
  return engine::Endpoint::unix_socket(node_socket(node, "docker.sock"));
}

void LocalDriver::prepare(const std::string& env, Progress& progress) {
  std::string image = ensure_node_image(host_, progress);
  use_privileged(image);
  ensure_network(env);
  std::lock_guard lock(mutex_);
  image_ = image;
}

// --privileged is what docker-in-docker wants, but some hosts refuse it (no process may
// hold CAP_SYS_RESOURCE: "unable to apply caps"). We try it once per engine, remember the
// answer in the state folder, and otherwise use the narrower set that works there.
bool LocalDriver::use_privileged(const std::string& image) {
  std::lock_guard lock(mutex_);
  if (privileged_) return *privileged_;
  std::string key = "local/privileged-" + host_.get("/info").value("ID", "unknown");
  for (char& c : key) c = c == ':' ? '-' : c;
  if (auto known = read_state(key)) return *(privileged_ = *known == "yes");

  json spec{{"Image", image},
            {"Entrypoint", {"true"}},
            {"Labels", {{"rsm.probe", "privileged"}}},
            {"HostConfig", {{"Privileged", true}}}};
  std::string id = host_.post("/containers/create", spec).at("Id");
  auto started = host_.request(Method::Post, "/containers/" + id + "/start");
  host_.remove_if_present("/containers/" + id + "?force=1");
  // Capabilities are applied before the command runs, so any other failure still means yes.
  privileged_ = started.ok() || started.message().find("apply caps") == std::string::npos;
  write_state(key, *privileged_ ? "yes" : "no");
  return *privileged_;
}

std::string LocalDriver::ensure_network(const std::string& env) {
  std::string name = network_name(env);
  if (auto existing = host_.find("/networks/" + name)) {
    auto config = (*existing)["IPAM"]["Config"];
    if (!config.empty()) return config[0].value("Subnet", "");
  }
  std::vector<std::string> taken;
  for (const auto& network : host_.get("/networks"))
    for (const auto& config : network["IPAM"].value("Config", json::array()))
      if (config.contains("Subnet")) taken.push_back(config["Subnet"]);
  std::string subnet = free_subnet(kSubnetPool, 24, taken);
  if (subnet.empty())
    throw Error(
        fmt::format("no free /24 left in {} for environment {}: remove an environment first", kSubnetPool, env));
  host_.post("/networks/create", {{"Name", name},
                                  {"Driver", "bridge"},
                                  {"CheckDuplicate", true},
                                  {"Labels", {{kEnvLabel, env}, {kDriverLabel, "local"}}},
                                  {"IPAM", {{"Config", {{{"Subnet", subnet}}}}}}});
  return subnet;
}

std::string LocalDriver::pick_address(const std::string& env, const std::string& subnet) {
  std::set<std::string> used;
  for (const auto& node : list(env)) used.insert(node.address);
  std::lock_guard lock(mutex_);
  used.insert(assigned_.begin(), assigned_.end());
  // .1 is the bridge's gateway; nodes take the lowest free address from .2 on.
  for (int host = 2; host < 255; ++host) {
    std::string address = subnet_host(subnet, host);
    if (!used.contains(address)) {
      assigned_.push_back(address);
      return address;
    }
  }
  throw Error(fmt::format("environment {} has no free address left in {}", env, subnet));
}

json LocalDriver::container_spec(const std::string& env, const NodeRequest& request, const std::string& address) {
  std::string name = node_name(env, request.role, request.index);
  json host_config{{"Mounts",
                    {{{"Type", "volume"}, {"Source", data_volume(name)}, {"Target", "/var/lib/docker"}},
                     {{"Type", "volume"}, {"Source", socket_volume(name)}, {"Target", kNodeSocketFolder}}}},
                   {"RestartPolicy", {{"Name", "unless-stopped"}}},
                   {"NetworkMode", network_name(env)}};
  if (*privileged_) {
    host_config["Privileged"] = true;
  } else {
    host_config["CapAdd"] = {"ALL"};
    host_config["CapDrop"] = {"SYS_RESOURCE"};
    host_config["SecurityOpt"] = {"seccomp=unconfined", "apparmor=unconfined"};
    // The CLI's systempaths=unconfined: nothing under /proc or /sys masked or read-only.
    host_config["MaskedPaths"] = json::array();
    host_config["ReadonlyPaths"] = json::array();
    host_config["DeviceCgroupRules"] = {"a *:* rwm"};
    host_config["CgroupnsMode"] = "private";
  }
  json labels{{kEnvLabel, env},
              {kRoleLabel, role_name(request.role)},
              {kIndexLabel, std::to_string(request.index)},
              {kDriverLabel, "local"},
              {kAddressLabel, address}};
  if (!request.region.empty()) labels[kRegionLabel] = request.region;
  if (request.mesh) labels[kMeshLabel] = "yes";
  return {
      {"Image", image_},
      {"Hostname", name},
      {"Labels", labels},
      {"HostConfig", host_config},
      {"NetworkingConfig", {{"EndpointsConfig", {{network_name(env), {{"IPAMConfig", {{"IPv4Address", address}}}}}}}}}};
}

Node LocalDriver::create(const std::string& env, const NodeRequest& request, Progress& progress) {
  if (!request.host.empty()) throw UsageError("--host is for machines of the ssh driver: add -d ssh");
  if (!request.advertise.empty())
    throw UsageError("--advertise is for machines of the ssh driver: local nodes take their own address");
  std::string name = node_name(env, request.role, request.index);
  // A node left over from an interrupted create is finished, not made again.
  for (auto& node : list(env)) {
    if (node.name != name) continue;
    if (!node.running())
      start(node, progress);
    else
      wait_for_engine(node, progress);
    return node;
  }
  if (image_.empty()) throw Error("local driver: prepare() must run before create()");
  try {
    progress.step(name, "creating container");
    std::string address = pick_address(env, ensure_network(env));
    for (const auto& volume : {data_volume(name), socket_volume(name)})
      host_.post("/volumes/create", {{"Name", volume}, {"Labels", {{kEnvLabel, env}, {"rsm.node", name}}}});
    host_.post("/containers/create?name=" + name, container_spec(env, request, address));
    Node node;
    for (auto& listed : list(env))
      if (listed.name == name) node = listed;
    start(node, progress);
    return node;
  } catch (...) {
    progress.step(name, "failed; removing what was made for it");
    remove_by_name(name);
    throw;
  }
}

void LocalDriver::start(Node& node, Progress& progress) {
  progress.step(node.name, "starting engine");
  auto response = host_.request(Method::Post, "/containers/" + node.name + "/start");
  if (response.status >= 300 && response.status != 304)
    throw Error(fmt::format("node {} did not start: {}", node.name, response.message()));
  node.state = "running";
  wait_for_engine(node, progress);
}

void LocalDriver::wait_for_engine(Node& node, Progress& progress) {
  engine::Client client(node.engine);
  int looks = 0;
  poll_until(
      seconds(60), milliseconds(50),
      [&] {
        return fmt::format("the engine of node {} did not answer; its log ends: {}", node.name,
                           last_log_lines(node.name));
      },
      [&] {
        if (client.ping()) return true;
        if (++looks % 10 == 0) {  // the container's state, every half second
          auto container = host_.get("/containers/" + node.name + "/json");
          const auto& state = container["State"];
          // With its restart policy a crashing node comes back at once: a restart is a crash too.
          if (!state.value("Running", false) || state.value("Restarting", false) ||
              container.value("RestartCount", 0) > 0)
            throw Error(fmt::format("node {} stopped while starting (exit code {}); its log ends: {}", node.name,
                                    state.value("ExitCode", -1), last_log_lines(node.name)));
        }
        return false;
      });
  progress.step(node.name, "engine ready");
}

std::string LocalDriver::last_log_lines(const std::string& container) {
  std::string text;
  engine::StreamDemuxer demuxer([&](engine::StreamKind, std::string_view chunk) { text.append(chunk); });
  auto response = host_.request(Method::Get, "/containers/" + container + "/logs?stdout=1&stderr=1&tail=3");
  demuxer.feed(response.body);
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text.empty() ? "(nothing)" : text;
}

void LocalDriver::stop(Node& node, Progress& progress) {
  progress.step(node.name, "stopping");
  auto response = host_.request(Method::Post, "/containers/" + node.name + "/stop?t=20", {.timeout_seconds = 60});
  if (response.status >= 300 && response.status != 304)
    throw Error(fmt::format("node {} did not stop: {}", node.name, response.message()));
  node.state = "exited";
}

void LocalDriver::remove_by_name(const std::string& name) {
  auto response = host_.request(Method::Delete, "/containers/" + name + "?force=1&v=1", {.timeout_seconds = 60});
  if (response.status >= 300 && response.status != 404)
    throw Error(fmt::format("cannot remove node {}: {}", name, response.message()));
  for (const auto& volume : {data_volume(name), socket_volume(name)}) {
    auto removed = host_.request(Method::Delete, "/volumes/" + volume + "?force=1");
    if (removed.status >= 300 && removed.status != 404)
      throw Error(fmt::format("cannot remove volume {} of node {}: {}", volume, name, removed.message()));
  }
}

bool LocalDriver::remove(const Node& node, Progress& progress) {
  progress.step(node.name, "removing");
  remove_by_name(node.name);
  return false;
}

void LocalDriver::remove_environment(const std::string& env) {
  json volumes = host_.get("/volumes?filters=" + filters({"rsm.env=" + env}))["Volumes"];
  for (const auto& volume : volumes)
    host_.remove_if_present("/volumes/" + volume["Name"].get<std::string>() + "?force=1");
  auto response = host_.request(Method::Delete, "/networks/" + network_name(env));
  if (response.status >= 300 && response.status != 404)
    throw Error(fmt::format("cannot remove network {}: {}", network_name(env), response.message()));
}

int LocalDriver::run(const Node& node, const std::vector<std::string>& argv, const engine::OutputSink& output) {
  return engine::exec_in_container(host_, node.name, argv, output);
}

}  // namespace rsm::drivers
