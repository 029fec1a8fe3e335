// Droplets read, created and deleted in the order that keeps none from being lost: see
// droplets.h.
#include "drivers/digitalocean/droplets.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "util/poll.h"

namespace rsm::drivers::digitalocean {

namespace {

constexpr auto kReadyTimeout = std::chrono::minutes(5);
constexpr auto kInterval = std::chrono::seconds(2);

std::optional<Droplet> find_by_name(Api& api, std::string_view env, const std::string& name) {
  for (auto& droplet : environment_droplets(api, env))
    if (droplet.name == name) return droplet;
  return std::nullopt;
}

}  // namespace

std::string environment_tag(std::string_view env) { return fmt::format("rsm-env-{}", env); }

std::string role_tag(Role role) { return fmt::format("rsm-role-{}", role_name(role)); }

std::optional<Role> Droplet::role() const {
  for (Role role : {Role::Manager, Role::Worker})
    if (std::find(tags.begin(), tags.end(), role_tag(role)) != tags.end()) return role;
  return std::nullopt;
}

Droplet read_droplet(const json& droplet) {
  Droplet read;
  read.id = droplet.value("id", 0L);
  read.name = droplet.value("name", "");
  read.status = droplet.value("status", "");
  if (droplet.contains("region") && droplet["region"].is_object()) read.region = droplet["region"].value("slug", "");
  read.size = droplet.value("size_slug", "");
  if (droplet.contains("size") && droplet["size"].is_object())
    read.price_monthly = droplet["size"].value("price_monthly", 0.0);
  if (droplet.contains("networks") && droplet["networks"].contains("v4"))
    for (const auto& network : droplet["networks"]["v4"]) {
      std::string type = network.value("type", "");
      if (type == "public" && read.public_ipv4.empty()) read.public_ipv4 = network.value("ip_address", "");
      if (type == "private" && read.private_ipv4.empty()) read.private_ipv4 = network.value("ip_address", "");
    }
  for (const auto& tag : droplet.value("tags", json::array()))
    if (tag.is_string()) read.tags.push_back(tag);
  return read;
}

std::vector<Droplet> environment_droplets(Api& api, std::string_view env) {
  std::vector<Droplet> droplets;
  for (const auto& item : api.list("/v2/droplets?tag_name=" + environment_tag(env), "droplets"))
    droplets.push_back(read_droplet(item));
  std::sort(droplets.begin(), droplets.end(), [](const Droplet& a, const Droplet& b) { return a.name < b.name; });
  return droplets;
}

Droplet ensure_droplet(Api& api, std::string_view env, const DropletRequest& request) {
  if (auto found = find_by_name(api, env, request.name)) return *found;
  json body{{"name", request.name},
            {"region", request.region},
            {"size", request.size},
            {"image", request.image},
            {"tags", {kRsmTag, environment_tag(env), role_tag(request.role)}},
            {"user_data", request.user_data},
            {"monitoring", false},
            {"ipv6", false}};
  if (!request.ssh_key_fingerprint.empty()) body["ssh_keys"] = {request.ssh_key_fingerprint};
  for (int attempt = 1;; ++attempt) {
    try {
      return read_droplet(api.post("/v2/droplets", body)["droplet"]);
    } catch (const Error& e) {
      // A create refused for what it asked (4xx) was not made; any other may have been.
      const auto* refused = dynamic_cast<const ApiError*>(&e);
      if ((refused && refused->status() < 500) || attempt >= 3) throw;
      if (auto found = find_by_name(api, env, request.name)) return *found;
    }
  }
}

Droplet wait_until_ready(Api& api, long id, Progress& progress) {
  Droplet droplet;
  bool said_active = false;
  poll_until(
      kReadyTimeout, kInterval,
      [&] {
        return fmt::format("droplet {} is still {}{} after 5 min; see https://cloud.digitalocean.com/droplets",
                           droplet.name, droplet.status,
                           droplet.public_ipv4.empty() ? " without a public address" : "");
      },
      [&] {
        droplet = read_droplet(api.get(fmt::format("/v2/droplets/{}", id))["droplet"]);
        if (droplet.status == "active" && !said_active) {
          said_active = true;
          if (droplet.public_ipv4.empty()) progress.step(droplet.name, "active; waiting for its public address");
        }
        return droplet.ready();
      });
  return droplet;
}

std::vector<std::string> delete_droplets(Api& api, std::string_view env, const std::vector<Droplet>& droplets) {
  std::vector<std::string> deleted;
  for (const auto& droplet : droplets)
    if (api.remove(fmt::format("/v2/droplets/{}", droplet.id))) deleted.push_back(droplet.name);
  std::vector<std::string> left;
  poll_until(
      kReadyTimeout, kInterval,
      [&] {
        return fmt::format("droplets of {} are still listed after 5 min: {}; run the same again", env,
                           fmt::join(left, ", "));
      },
      [&] {
        left.clear();
        for (const auto& listed : environment_droplets(api, env))
          for (const auto& droplet : droplets)
            if (listed.id == droplet.id) left.push_back(listed.name);
        return left.empty();
      });
  return deleted;
}

void power(Api& api, const Droplet& droplet, std::string_view action, Progress& progress) {
  progress.step(droplet.name,
                fmt::format("{} (DigitalOcean action)", action == "power_on" ? "powering on" : "shutting down"));
  json started = api.post(fmt::format("/v2/droplets/{}/actions", droplet.id), {{"type", action}})["action"];
  long id = started.value("id", 0L);
  std::string status;
  poll_until(
      kReadyTimeout, kInterval,
      [&] {
        return fmt::format("{} of droplet {} is still {} after 5 min; run the same again", action, droplet.name,
                           status);
      },
      [&] {
        status = api.get(fmt::format("/v2/actions/{}", id))["action"].value("status", "");
        if (status == "errored")
          throw Error(
              fmt::format("DigitalOcean could not {} droplet {} (action {}): see "
                          "https://cloud.digitalocean.com/droplets",
                          action, droplet.name, id));
        return status == "completed";
      });
}

void remove_tags(Api& api, std::string_view env) {
  std::vector<std::string> tags{environment_tag(env)};
  if (api.list(fmt::format("/v2/droplets?tag_name={}", kRsmTag), "droplets").empty())
    tags.insert(tags.end(), {role_tag(Role::Manager), role_tag(Role::Worker), kRsmTag});
  for (const auto& tag : tags) api.remove("/v2/tags/" + tag);
}

}  // namespace rsm::drivers::digitalocean
