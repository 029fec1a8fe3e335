// hosts.json read and written whole (through write_state's rename, so a crash never tears
// it); a folder per environment below state_dir()/DRIVER.
#include "drivers/ssh/inventory.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/state_dir.h"

namespace rsm::drivers {

namespace fs = std::filesystem;
using nlohmann::json;

std::string SshHost::target() const {
  return fmt::format("{}{}{}", user.empty() ? "" : user + "@", host, port ? fmt::format(":{}", port) : "");
}

std::string Inventory::hosts_file(const std::string& env) const { return driver_ + "/" + env + "/hosts.json"; }

fs::path Inventory::folder(const std::string& env) const { return state_dir() / driver_ / env; }

std::vector<std::string> Inventory::environments() const {
  std::vector<std::string> envs;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(state_dir() / driver_, ec)) {
    std::string env = entry.path().filename().string();
    if (fs::exists(entry.path() / "hosts.json") && !load(env).empty()) envs.push_back(env);
  }
  return envs;
}

std::vector<SshHost> Inventory::load(const std::string& env) const {
  auto text = read_state(hosts_file(env));
  if (!text) return {};
  auto parsed = json::parse(*text, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("hosts") || !parsed["hosts"].is_array())
    throw Error(fmt::format("{} is not a host list rsm wrote: restore it from a backup or remove it",
                            (state_dir() / hosts_file(env)).string()));
  std::vector<SshHost> hosts;
  for (const auto& item : parsed["hosts"]) {
    SshHost host;
    host.name = item.value("name", "");
    host.role = parse_role(item.value("role", "")).value_or(Role::Worker);
    host.index = item.value("index", 0);
    host.user = item.value("user", "");
    host.host = item.value("host", "");
    host.port = item.value("port", 0);
    host.sudo = item.value("sudo", false);
    host.ssh_key = item.value("ssh_key", "");
    host.address = item.value("address", "");
    host.region = item.value("region", "");
    host.size = item.value("size", "");
    host.image = item.value("image", "");
    host.pinned = item.value("pinned", false);
    host.bootstrapped = item.value("bootstrapped", false);
    hosts.push_back(std::move(host));
  }
  return hosts;
}

void Inventory::save(const std::string& env, const std::vector<SshHost>& hosts) const {
  json list = json::array();
  for (const auto& host : hosts)
    list.push_back({{"name", host.name},
                    {"role", role_name(host.role)},
                    {"index", host.index},
                    {"user", host.user},
                    {"host", host.host},
                    {"port", host.port},
                    {"sudo", host.sudo},
                    {"ssh_key", host.ssh_key},
                    {"address", host.address},
                    {"region", host.region},
                    {"size", host.size},
                    {"image", host.image},
                    {"pinned", host.pinned},
                    {"bootstrapped", host.bootstrapped}});
  write_state(hosts_file(env), json{{"hosts", list}}.dump(2) + "\n");
}

void Inventory::remove(const std::string& env) const {
  std::error_code ec;
  fs::remove_all(folder(env), ec);
}

}  // namespace rsm::drivers
