// The rsm-acme service, its image and orders, and the wait for an app's certificate.
#include "proxy/acme_service.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engine/exec.h"
#include "images/debian_image.h"
#include "images/program_image.h"
#include "proxy/certificate.h"
#include "proxy/edge_certificates.h"
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
constexpr const char* kComponent = "acme";
constexpr const char* kVolume = "rsm-acme";
constexpr auto kCertificateTimeout = seconds(300);

images::DebianImageRecipe acme_recipe() {
  // lego (and the roots it trusts) from Debian, rsm's program next to it.
  return {.what = "ACME image",
          .repository = "rsm-acme",
          .packages = {"lego", "ca-certificates"},
          .files = {{"/rsm-acme", images::read_program("rsm-acme", "RSM_ACME"), 0755}},
          .entrypoint = {"/rsm-acme"},
          .only_programs = {"/usr/bin/lego"},
          .also_keep = {"/etc/ssl/certs/ca-certificates.crt"}};
}

json labels(const std::string& env) { return swarm::component_labels(env, kComponent); }

json service_spec(const std::string& env, const std::string& network, const std::string& image,
                  const swarm::ObjectView& orders) {
  return {
      {"Name", kAcmeService},
      {"Labels", labels(env)},
      {"TaskTemplate",
       {{"ContainerSpec",
         {{"Image", image},
          {"Args", {"run"}},
          {"Labels", labels(env)},
          {"Configs",
           {{{"ConfigID", orders.id},
             {"ConfigName", orders.name},
             {"File", {{"Name", kOrdersFile}, {"UID", "0"}, {"GID", "0"}, {"Mode", 0444}}}}}},
          // The manager's own engine: rsm-acme stores certificates and hands them out.
          {"Mounts",
           {{{"Type", "bind"}, {"Source", "/var/run/docker.sock"}, {"Target", "/var/run/docker.sock"}},
            {{"Type", "volume"},
             {"Source", kVolume},
             {"Target", kAcmeStateFolder},
             {"VolumeOptions", {{"Labels", labels(env)}}}}}},
          {"StopGracePeriod", 5 * kSecond}}},
        {"Placement", {{"Constraints", {"node.role==manager"}}}},
        {"RestartPolicy", {{"Condition", "any"}, {"Delay", 5 * kSecond}}},
        {"Networks", {{{"Target", network}}}}}},
      {"Mode", {{"Replicated", {{"Replicas", 1}}}}},
      // Never two at once: both would ask for the same certificates.
      {"UpdateConfig", {{"Parallelism", 1}, {"Order", "stop-first"}, {"FailureAction", "pause"}}},
      {"EndpointSpec", {{"Mode", "dnsrr"}}},
  };
}

std::string sorted_names(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return fmt::format("{}", fmt::join(names, ","));
}

bool has_certificate(engine::Client& manager, const std::string& env, const AcmeOrder& order) {
  auto stored = stored_certificates(manager, env);
  auto found = stored.find(order.app);
  return found != stored.end() && found->second.labels[kCertificateNamesLabel] == sorted_names(order.hosts);
}

// What `rsm-acme status` says in the running task; null while none runs.
json acme_status(swarm::Environment& env, engine::Client& manager) {
  auto running = env.running(manager, swarm::service_tasks(manager, kAcmeService));
  if (running.empty()) return nullptr;
  engine::Client node_engine(running.front().node.engine);
  std::string output;
  engine::exec_in_container(node_engine, running.front().container, {"/rsm-acme", "status"},
                            [&](engine::StreamKind kind, std::string_view chunk) {
                              if (kind == engine::StreamKind::Stdout) output.append(chunk);
                            });
  return json::parse(output, nullptr, false);
}

void wait_for_certificate(swarm::Environment& env, engine::Client& manager, const AcmeOrders& orders,
                          const std::string& app, Progress& progress) {
  auto order =
      std::find_if(orders.orders.begin(), orders.orders.end(), [&](const AcmeOrder& o) { return o.app == app; });
  if (order == orders.orders.end() || has_certificate(manager, env.name(), *order)) return;
  progress.step(app,
                fmt::format("asking {} for a certificate for {}", orders.directory, fmt::join(order->hosts, ", ")));
  std::string asked = utc_time(std::time(nullptr) - 1);
  swarm::FailureWatch failures(2);
  poll_until(
      kCertificateTimeout, seconds(1),
      [&] {
        return fmt::format("no certificate for {} yet; see `docker service logs {}` on a manager",
                           fmt::join(order->hosts, ", "), kAcmeService);
      },
      [&] {
        if (has_certificate(manager, env.name(), *order)) return true;
        if (auto failure = failures.check(swarm::service_tasks(manager, kAcmeService)))
          throw Error(fmt::format("{} does not run: {}; see `docker service logs {}` on a manager", kAcmeService,
                                  *failure, kAcmeService));
        json status = acme_status(env, manager);
        if (!status.is_object() || !status.contains(app)) return false;
        const json& outcome = status[app];
        if (outcome.value("ok", true) || outcome.value("at", "") < asked) return false;
        throw Error(
            fmt::format("{} refused a certificate for {}: {}; the names must lead to the nodes (DNS) and "
                        "port 80 reach them",
                        orders.directory, fmt::join(order->hosts, ", "), outcome.value("error", "")));
      });
  progress.step(app, "the certificate is stored");
}

}  // namespace

AcmeOrders current_orders(engine::Client& manager, const std::string& env) {
  auto service = swarm::find_service(manager, kAcmeService);
  if (!service) return {.env = env};
  const json& configs = service->spec["TaskTemplate"]["ContainerSpec"]["Configs"];
  if (!configs.is_array() || configs.empty()) return {.env = env};
  auto config = swarm::find_object(manager, "configs", configs[0].value("ConfigName", ""));
  if (!config) return {.env = env};
  return orders_from_json(json::parse(config->data, nullptr, false));
}

AcmeOrders with_settings(AcmeOrders orders, const AcmeSettings& settings) {
  if (!settings.directory.empty()) orders.directory = settings.directory;
  if (!settings.email.empty()) orders.email = settings.email;
  if (!settings.ca_file.empty()) orders.ca = read_pem_file(settings.ca_file);
  return orders;
}

void keep_certificates(swarm::Environment& env, engine::Client& manager, const std::string& network, AcmeOrders orders,
                       const std::string& wait_for, Progress& progress) {
  orders.env = env.name();
  std::sort(orders.orders.begin(), orders.orders.end(),
            [](const AcmeOrder& a, const AcmeOrder& b) { return a.app < b.app; });
  if (orders.orders.empty()) {
    if (auto service = swarm::find_service(manager, kAcmeService)) {
      progress.step("acme", "no app asks for certificates: removing rsm-acme");
      manager.remove("/services/" + service->id);
    }
    return;
  }
  std::string text = to_json(orders).dump(2);
  auto stored = swarm::ensure_config(manager, "rsm-acme-" + content_hash({text}), labels(env.name()), text);
  engine::Client maker(swarm::engine_for_images(env));
  std::string image = images::ensure_debian_image(maker, acme_recipe(), progress);
  swarm::load_image(env, image, progress);
  auto change = swarm::apply_service(manager, service_spec(env.name(), network, image, stored));
  if (change != swarm::ServiceChange::Unchanged)
    progress.step("acme", fmt::format("rsm-acme keeps the certificates of {} app(s)", orders.orders.size()));
  for (const auto& config : swarm::list_objects(manager, "configs", swarm::component_filters(env.name(), kComponent)))
    if (config.name != stored.name)
      ignore_failure("a config still in use by a task being replaced goes with the next change",
                     [&] { manager.remove_if_present("/configs/" + config.id); });
  if (!wait_for.empty()) wait_for_certificate(env, manager, orders, wait_for, progress);
}

}  // namespace rsm::proxy
