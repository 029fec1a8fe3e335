// The edge proxy's image, configuration and global service, kept in step with the ports
// the apps publish, and the waits until every node runs and answers with it.
#include "proxy/edge_proxy.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "images/debian_image.h"
#include "proxy/edge_certificates.h"
#include "proxy/edge_folder.h"
#include "swarm/firewall.h"
#include "swarm/image_distribution.h"
#include "swarm/labels.h"
#include "swarm/resources.h"
#include "util/content_hash.h"
#include "util/error.h"
#include "util/poll.h"

namespace rsm::proxy {

using engine::json;

namespace {

constexpr long long kSecond = 1'000'000'000;  // the API counts durations in nanoseconds
constexpr const char* kComponent = "proxy";
constexpr const char* kConfigPath = "/etc/haproxy/rsm.cfg";
constexpr auto kStartTimeout = seconds(120);
constexpr auto kAnswerTimeout = seconds(30);

images::DebianImageRecipe proxy_recipe() {
  // HAProxy and tini with their libraries only: the image is copied into every node.
  return {.what = "proxy image",
          .repository = "rsm-proxy",
          .packages = {"haproxy", "tini"},
          // -W: master-worker, so SIGUSR1 (the stop signal) drains and then exits.
          .entrypoint = {"/usr/bin/tini", "--", "/usr/sbin/haproxy", "-W", "-db", "-f", kConfigPath},
          .only_programs = {"/usr/bin/tini", "/usr/sbin/haproxy"}};
}

json labels(const std::string& env) { return swarm::component_labels(env, kComponent); }

json service_spec(const std::string& env, const std::string& network, const std::string& image,
                  const std::string& config_id, const std::string& config_name, const std::vector<Backend>& backends,
                  bool acme_challenges) {
  json ports = json::array();
  for (int port : published_ports(backends, acme_challenges))
    ports.push_back({{"Protocol", "tcp"}, {"TargetPort", port}, {"PublishedPort", port}, {"PublishMode", "host"}});
  json spec = {
      {"Name", kServiceName},
      {"Labels", labels(env)},
      {"TaskTemplate",
       {{"ContainerSpec",
         {{"Image", image},
          {"Labels", labels(env)},
          {"Configs",
           {{{"ConfigID", config_id},
             {"ConfigName", config_name},
             {"File", {{"Name", kConfigPath}, {"UID", "0"}, {"GID", "0"}, {"Mode", 0444}}}}}},
          {"StopSignal", "SIGUSR1"},
          {"StopGracePeriod", 30 * kSecond}}},
        {"RestartPolicy", {{"Condition", "any"}, {"Delay", 1 * kSecond}}},
        {"Networks", {{{"Target", network}}}}}},
      {"Mode", {{"Global", json::object()}}},
      // A host-mode port is held by one container per node: the old task must stop first.
      {"UpdateConfig", {{"Parallelism", 1}, {"Order", "stop-first"}, {"FailureAction", "pause"}}},
      {"EndpointSpec", {{"Mode", "dnsrr"}, {"Ports", ports}}},
  };
  if (serves_tls(backends)) {
    // The certificates' folder, and the master CLI there that rsm-edge-certs asks to reload.
    json& container = spec["TaskTemplate"]["ContainerSpec"];
    container["Mounts"] = {{{"Type", "volume"},
                            {"Source", kEdgeVolume},
                            {"Target", kEdgeFolder},
                            {"VolumeOptions", {{"Labels", labels(env)}}}}};
    container["Args"] = {"-S", kMasterSocket};
  }
  return spec;
}

// How many nodes run a task with the configuration, and how many should.
struct ProxyTasks {
  int running = 0;
  int wanted = 0;
  std::optional<std::string> failure;
  bool complete() const { return running >= wanted; }
};

// The tasks that run this image with this config: an update changes one or both.
ProxyTasks proxy_tasks(engine::Client& manager, const std::string& image, const std::string& config_name) {
  ProxyTasks out;
  auto tasks = swarm::service_tasks(manager, kServiceName);
  out.running = static_cast<int>(std::count_if(tasks.begin(), tasks.end(), [&](const swarm::TaskView& task) {
    return task.running() && task.image == image && !task.config_names.empty() && task.config_names[0] == config_name;
  }));
  out.wanted = swarm::schedulable_nodes(manager);
  out.failure = swarm::task_failure(tasks);
  return out;
}

void wait_until_running(engine::Client& manager, const std::string& image, const std::string& config_name,
                        Progress& progress) {
  ProxyTasks tasks;
  poll_until(
      kStartTimeout, milliseconds(250),
      [&] {
        return fmt::format("the edge proxy runs on {} of {} nodes{}; see `docker service ps {}` on a manager",
                           tasks.running, tasks.wanted, tasks.failure ? ": " + *tasks.failure : "", kServiceName);
      },
      [&] {
        tasks = proxy_tasks(manager, image, config_name);
        return tasks.complete();
      });
  progress.step("proxy", fmt::format("running on {} node(s)", tasks.running));
}

// The status url answers within a second (0 for none), asked with `host` as the Host header.
long answer_status(const std::string& url, const std::string& host) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr, curl_slist_free_all);
  if (!host.empty()) headers.reset(curl_slist_append(nullptr, ("Host: " + host).c_str()));
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 1000L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(
      curl.get(), CURLOPT_WRITEFUNCTION, +[](char*, size_t size, size_t count, void*) { return size * count; });
  long status = 0;
  if (curl_easy_perform(curl.get()) == CURLE_OK) curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  return status;
}

// A new proxy needs a moment to find the tasks and check them; the ports answer once it
// has. A port's backend answers 200 on its health path then; a route, asked for its first
// host, answers anything but the proxy's 503 (no task yet): what the app says at its path
// is its own business. An app that never does is a warning, not an error.
void wait_until_answering(swarm::Environment& env, const std::vector<Backend>& backends, Progress& progress) {
  struct Check {
    std::string url;
    const Backend* backend;
  };
  std::vector<Check> pending;
  for (const auto& backend : backends)
    for (const auto& url : urls(env, backend.routed() ? kRoutesPort : backend.port))
      pending.push_back({url + (backend.routed() ? backend.path + "/" : backend.health_path), &backend});
  bool answered = poll_for(kAnswerTimeout, milliseconds(200), [&] {
    std::erase_if(pending, [](const Check& check) {
      if (!check.backend->routed()) return answer_status(check.url, "") == 200;
      long status = answer_status(check.url, check.backend->hosts.front());
      return status != 0 && status != 503;
    });
    return pending.empty();
  });
  if (!answered)
    progress.warn(fmt::format("{} does not answer yet: is {} healthy, and does it answer {} on port {}?",
                              pending[0].url, pending[0].backend->app, pending[0].backend->health_path,
                              pending[0].backend->port));
}

void remove_unused_configs(engine::Client& manager, const std::string& env, const std::string& keep) {
  for (const auto& config : swarm::list_objects(manager, "configs", swarm::component_filters(env, kComponent)))
    if (config.name != keep)
      ignore_failure("a configuration still in use by a proxy task being replaced goes with the next change",
                     [&] { manager.remove_if_present("/configs/" + config.id); });
}

}  // namespace

void publish(swarm::Environment& env, const std::string& network, const std::vector<Backend>& backends,
             Progress& progress, bool acme_challenges) {
  engine::Client manager(env.reachable_manager().engine);
  if (backends.empty() && !acme_challenges) {
    if (auto existing = swarm::find_service(manager, kServiceName)) {
      progress.step("proxy", "no app publishes a port: removing the edge proxy");
      manager.remove("/services/" + existing->id);
      swarm::apply_firewall(env, progress);
    }
    remove_unused_configs(manager, env.name(), "");
    hand_out_certificates(env, manager, {}, progress);
    return;
  }

  engine::Client maker(swarm::engine_for_images(env));
  std::string image = ensure_proxy_image(maker, progress);
  swarm::load_image(env, image, progress);

  // Certificates first: a proxy that starts with TLS reads them as it starts.
  std::vector<std::string> certificates;  // the apps whose certificates serve
  for (const auto& backend : backends)
    if (backend.tls()) certificates.push_back(backend.app);
  if (!certificates.empty()) hand_out_certificates(env, manager, certificates, progress);

  std::string config = haproxy_config(backends, acme_challenges);
  auto stored = swarm::ensure_config(manager, "rsm-proxy-" + content_hash({config}), labels(env.name()), config);
  const std::string& config_name = stored.name;
  auto change = swarm::apply_service(
      manager, service_spec(env.name(), network, image, stored.id, config_name, backends, acme_challenges));
  if (change == swarm::ServiceChange::Unchanged) {
    // A node that joined since the last change starts its task of the global service only
    // now, once the image is there: its ports answer, too, when this returns.
    if (!proxy_tasks(manager, image, config_name).complete()) {
      wait_until_running(manager, image, config_name, progress);
      wait_until_answering(env, backends, progress);
    }
    if (certificates.empty()) hand_out_certificates(env, manager, certificates, progress);
    return;
  }
  progress.step("proxy", change == swarm::ServiceChange::Created ? "starting the edge proxy on every node"
                                                                 : "updating the edge proxy, one node at a time");
  wait_until_running(manager, image, config_name, progress);
  swarm::apply_firewall(env, progress);  // the proxy's ports are the ones published ports may use
  remove_unused_configs(manager, env.name(), config_name);
  if (certificates.empty()) hand_out_certificates(env, manager, certificates, progress);  // after the proxy let go
  wait_until_answering(env, backends, progress);
}

std::string ensure_proxy_image(engine::Client& engine, Progress& progress) {
  return images::ensure_debian_image(engine, proxy_recipe(), progress);
}

std::vector<std::string> route_urls(const std::vector<std::string>& hosts, const std::string& path, bool tls) {
  std::vector<std::string> result;
  for (const auto& host : hosts) result.push_back(fmt::format("{}://{}{}/", tls ? "https" : "http", host, path));
  return result;
}

std::vector<std::string> urls(swarm::Environment& env, int port) {
  std::vector<std::string> result;
  for (const auto& node : env.nodes())
    if (node.running() && !node.public_address.empty())
      result.push_back(fmt::format("http://{}:{}", node.public_address, port));
  return result;
}

}  // namespace rsm::proxy
