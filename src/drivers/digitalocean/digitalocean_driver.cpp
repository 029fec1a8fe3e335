// Droplets made, found, powered and deleted through the API, and driven over ssh: see
// digitalocean_driver.h. Every step of a create looks first at what is there, so a run
// interrupted anywhere is finished by the next one.
#include "drivers/digitalocean/digitalocean_driver.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "drivers/digitalocean/cloud_firewall.h"
#include "drivers/digitalocean/cloud_init.h"
#include "drivers/ssh/remote_shell.h"
#include "util/line_splitter.h"
#include "util/poll.h"

namespace rsm::drivers {

using digitalocean::Droplet;

namespace {

constexpr const char* kDefaultImage = "debian-12-x64";
// The smallest size with room for the engine, a RethinkDB server and a few app tasks.
constexpr const char* kDefaultSize = "s-1vcpu-2gb";
constexpr auto kSshTimeout = std::chrono::minutes(3);

std::string token_file;  // --token-file

std::string from_environment(const char* variable, const char* fallback = "") {
  const char* value = std::getenv(variable);
  return value && *value ? value : fallback;
}

// Pins the host key under the machine's name (ssh's HostKeyAlias), replacing an older one.
void pin_host_key(const std::filesystem::path& known_hosts, const std::string& name, const std::string& public_key) {
  std::string kept;
  {
    std::ifstream in(known_hosts);
    for (std::string line; std::getline(in, line);)
      if (!line.starts_with(name + " ")) kept += line + "\n";
  }
  std::filesystem::create_directories(known_hosts.parent_path());
  std::string making = known_hosts.string() + ".new";
  {
    std::ofstream out(making, std::ios::trunc);
    out << kept << name << " " << public_key << "\n";
    if (!out.flush()) throw Error(fmt::format("cannot write {}: check the disk and its permissions", making));
  }
  std::filesystem::rename(making, known_hosts);
}

// The node's state from its droplet's: "running" only once rsm's bootstrap finished there.
std::string state_of(const Droplet& droplet, bool bootstrapped) {
  if (droplet.status == "active") return bootstrapped ? "running" : "booting";
  return droplet.status;  // new, off, archive
}

}  // namespace

void DigitalOceanDriver::use_token_file(std::string file) { token_file = std::move(file); }

digitalocean::Api& DigitalOceanDriver::api() {
  std::lock_guard lock(api_mutex_);
  if (!api_) api_ = std::make_unique<digitalocean::Api>(digitalocean::read_token(token_file), digitalocean::api_url());
  return *api_;
}

std::vector<std::string> DigitalOceanDriver::environments() {
  std::set<std::string> envs;
  for (auto& env : SshDriver::environments()) envs.insert(env);
  // Droplets rsm made are found by their tags even where this machine has no record.
  if (digitalocean::token_available(token_file))
    for (const auto& item : api().list(fmt::format("/v2/droplets?tag_name={}", digitalocean::kRsmTag), "droplets"))
      for (const auto& tag : digitalocean::read_droplet(item).tags)
        if (tag.starts_with("rsm-env-")) envs.insert(tag.substr(8));
  return {envs.begin(), envs.end()};
}

std::vector<Node> DigitalOceanDriver::list(const std::string& env) {
  std::vector<Node> nodes;
  // Only an environment this machine made droplets for asks the API: commands on other
  // environments work offline and without a token.
  if (!std::filesystem::exists(inventory_.folder(env))) return nodes;
  auto hosts = recorded(env);
  if (!digitalocean::token_available(token_file)) {
    for (const auto& host : hosts) {
      nodes.push_back(node_of(env, host));
      if (!host.bootstrapped) nodes.back().state = "unknown";
    }
    sort_managers_first(nodes);
    return nodes;
  }
  std::set<std::string> listed;
  for (const auto& droplet : digitalocean::environment_droplets(api(), env)) {
    listed.insert(droplet.name);
    auto host = std::find_if(hosts.begin(), hosts.end(), [&](const SshHost& h) { return h.name == droplet.name; });
    Node node;
    if (host != hosts.end()) {
      node = node_of(env, *host);
    } else {
      node.name = droplet.name;
      node.env = env;
      node.driver = name_;
      node.role = droplet.role().value_or(Role::Worker);
      node.index = node_index(droplet.name);
      node.in_mesh = true;
    }
    node.state = state_of(droplet, host != hosts.end() && host->bootstrapped);
    if (!droplet.public_ipv4.empty()) {
      node.address = node.public_address = droplet.public_ipv4;
      node.host = "root@" + droplet.public_ipv4;
    }
    node.private_address = droplet.private_ipv4;
    node.region = droplet.region;
    node.size = droplet.size;
    node.price_monthly = droplet.price_monthly;
    node.machine_id = std::to_string(droplet.id);
    nodes.push_back(std::move(node));
  }
  // Recorded before its droplet was asked for: an interrupted create that start() finishes.
  for (const auto& host : hosts)
    if (!listed.contains(host.name)) {
      nodes.push_back(node_of(env, host));
      nodes.back().state = "not created";
      if (host.host.empty()) nodes.back().host.clear();
    }
  sort_managers_first(nodes);
  return nodes;
}

void DigitalOceanDriver::check(const NodeRequest& request) {
  if (request.region.empty() && from_environment("DIGITALOCEAN_REGION").empty())
    throw UsageError("give the droplets' region with --region (nyc3, fra1, sgp1...) or set DIGITALOCEAN_REGION");
}

void DigitalOceanDriver::prepare(const std::string& env, Progress& progress) { login_key(env, progress); }

const digitalocean::LoginKey& DigitalOceanDriver::login_key(const std::string& env, Progress& progress) {
  std::lock_guard lock(login_key_mutex_);
  if (!login_key_) {
    progress.step(env, "checking the DigitalOcean token and the environment's login key");
    login_key_ = digitalocean::ensure_login_key(api(), env);
  }
  return *login_key_;
}

Node DigitalOceanDriver::create(const std::string& env, const NodeRequest& request, Progress& progress) {
  SshHost host;
  host.name = node_name(env, request.role, request.index);
  host.role = request.role;
  host.index = request.index;
  host.user = "root";
  host.region = request.region.empty() ? from_environment("DIGITALOCEAN_REGION") : request.region;
  host.size = request.size.empty() ? from_environment("DIGITALOCEAN_SIZE", kDefaultSize) : request.size;
  host.image = request.image.empty() ? from_environment("DIGITALOCEAN_IMAGE", kDefaultImage) : request.image;
  host.pinned = true;
  host.ssh_key = login_key(env, progress).private_key_file;
  // Recorded before the droplet is asked for: a run stopped from here on is finished by
  // the next one, and `rm` finds what it made.
  record(env, host);
  try {
    return finish(env, host, "", progress);
  } catch (const Error&) {
    // A failed create removes its droplet (Ctrl-C leaves it tagged and recorded for rm).
    try {
      if (auto made = droplet(env, host.name)) digitalocean::delete_droplets(api(), env, {*made});
      drop_record(env, host.name);
    } catch (const Error&) {
      // Still tagged and recorded: `rsm nodes rm` finds it.
    }
    throw;
  }
}

std::optional<Droplet> DigitalOceanDriver::droplet(const std::string& env, const std::string& name,
                                                   const std::string& id) {
  if (!id.empty()) {
    try {
      return digitalocean::read_droplet(api().get("/v2/droplets/" + id)["droplet"]);
    } catch (const digitalocean::ApiError& e) {
      if (e.status() == 404) return std::nullopt;
      throw;
    }
  }
  for (auto& listed : digitalocean::environment_droplets(api(), env))
    if (listed.name == name) return listed;
  return std::nullopt;
}

Node DigitalOceanDriver::finish(const std::string& env, SshHost host, const std::string& id, Progress& progress) {
  auto made = droplet(env, host.name, id);
  if (!made) {
    std::string fingerprint = login_key(env, progress).fingerprint;
    // The key pinned now is the only one the droplet will have (cloud_init.h).
    auto host_key = digitalocean::make_host_key();
    {
      std::lock_guard lock(mutex_);
      pin_host_key(inventory_.known_hosts(env), host.name, host_key.public_key);
    }
    progress.step(host.name, fmt::format("creating a {} droplet in {} ({})", host.size, host.region, host.image));
    made = digitalocean::ensure_droplet(api(), env,
                                        {.name = host.name,
                                         .role = host.role,
                                         .region = host.region,
                                         .size = host.size,
                                         .image = host.image,
                                         .ssh_key_fingerprint = fingerprint,
                                         .user_data = digitalocean::user_data(host_key)});
  }
  if (!made->ready()) *made = digitalocean::wait_until_ready(api(), made->id, progress);
  if (host.host != made->public_ipv4) {
    host.host = host.address = made->public_ipv4;
    record(env, host);
  }

  progress.step(host.name, fmt::format("waiting for ssh on {}", host.host));
  RemoteShell shell(ssh_endpoint(env, host));
  std::string last_error;
  poll_until(
      kSshTimeout, std::chrono::seconds(2),
      [&] {
        return fmt::format(
            "droplet {} ({}) does not let rsm log in: {}; see its console at "
            "https://cloud.digitalocean.com/droplets",
            host.name, host.host, last_error);
      },
      [&] {
        try {
          auto result = shell.script("true");
          last_error = last_line(result.output);
          return result.exit_code == 0;
        } catch (const Error& e) {
          last_error = e.what();
          return false;
        }
      });
  bootstrap(env, host, progress);
  Node node = node_of(env, host);
  node.private_address = made->private_ipv4;
  node.price_monthly = made->price_monthly;
  return node;
}

void DigitalOceanDriver::start(Node& node, Progress& progress) {
  auto hosts = recorded(node.env);
  auto host = std::find_if(hosts.begin(), hosts.end(), [&](const SshHost& h) { return h.name == node.name; });
  if (host == hosts.end())
    throw Error(
        fmt::format("droplet {0} was made by rsm but this machine has no record of its host key, so rsm "
                    "cannot log in safely: remove the environment with `rsm nodes rm {1}` and create it again",
                    node.name, node.env));
  if (node.state == "off")
    if (auto made = droplet(node.env, node.name, node.machine_id))
      digitalocean::power(api(), *made, "power_on", progress);
  node = finish(node.env, *host, node.machine_id, progress);
}

void DigitalOceanDriver::stop(Node& node, Progress& progress) {
  if (auto made = droplet(node.env, node.name, node.machine_id)) {
    digitalocean::power(api(), *made, "shutdown", progress);
    node.state = "off";
    progress.warn(
        fmt::format("{} is powered off but still billed ({:.2f} USD a month): only `rsm nodes rm {}` "
                    "stops the billing",
                    node.name, made->price_monthly, node.env));
  }
}

bool DigitalOceanDriver::remove(const Node& node, Progress& progress) {
  std::string id = node.machine_id;
  if (id.empty())
    if (auto made = droplet(node.env, node.name)) id = std::to_string(made->id);
  if (!id.empty()) {
    progress.step(node.name, fmt::format("deleting droplet {}", id));
    api().remove("/v2/droplets/" + id);
  }
  drop_record(node.env, node.name);
  return false;
}

void DigitalOceanDriver::remove_environment(const std::string& env) {
  bool recorded = std::filesystem::exists(inventory_.folder(env));
  if (!recorded && !digitalocean::token_available(token_file)) return;
  auto& client = api();
  // Also what no record names: a create stopped between its request and its record, or
  // droplets made from another machine.
  std::vector<Droplet> left;
  try {
    left = digitalocean::environment_droplets(client, env);
  } catch (const Error&) {
    if (recorded) throw;
    return;  // an environment of other drivers, removed while the API does not answer
  }
  if (!recorded && left.empty()) return;
  if (!left.empty()) digitalocean::delete_droplets(client, env, left);
  digitalocean::remove_firewall(client, env);
  digitalocean::remove_login_key(client, env);
  digitalocean::remove_tags(client, env);
  std::lock_guard lock(mutex_);
  inventory_.remove(env);
}

void DigitalOceanDriver::protect(const std::string& env, const std::vector<Node>& machines,
                                 const std::vector<int>& edge_ports, int mesh_port, Progress& progress) {
  if (std::none_of(machines.begin(), machines.end(), [&](const Node& n) { return n.driver == name_; })) return;
  digitalocean::FirewallPlan plan{.public_ports = edge_ports, .mesh_port = mesh_port};
  for (const auto& node : machines) {
    if (node.driver == name_ || !node.in_mesh) continue;
    // Members behind NAT (this machine's local nodes) call from an address nobody knows:
    // the port takes UDP from anywhere, and WireGuard answers nothing without a member's key.
    if (node.on_this_machine()) {
      plan.other_addresses = {"0.0.0.0/0"};
      break;
    }
    if (!node.public_address.empty()) plan.other_addresses.push_back(node.public_address);
  }
  bool mesh_from_anywhere = plan.other_addresses == std::vector<std::string>{"0.0.0.0/0"};
  if (digitalocean::ensure_firewall(api(), env, plan))
    progress.step(
        env, fmt::format("cloud firewall {} set: ssh{} from anywhere, the mesh's UDP {} from {}",
                         digitalocean::firewall_name(env),
                         edge_ports.empty() ? "" : fmt::format(" and ports {}", fmt::join(edge_ports, ", ")), mesh_port,
                         mesh_from_anywhere ? "anywhere (local nodes call from behind this machine's NAT)"
                                            : "the environment's machines only"));
}

}  // namespace rsm::drivers
