// The certificates' secrets and the rsm-edge-certs service that hands them to the nodes.
#include "proxy/edge_certificates.h"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "images/program_image.h"
#include "proxy/edge_folder.h"
#include "swarm/image_distribution.h"
#include "swarm/labels.h"
#include "swarm/resources.h"
#include "util/error.h"
#include "util/poll.h"

namespace rsm::proxy {

using engine::json;

namespace {

constexpr long long kMillisecond = 1'000'000;  // the API counts durations in nanoseconds
constexpr const char* kProgram = "rsm-edge-certs";
constexpr auto kHandOutTimeout = seconds(120);

json service_spec(const std::string& env, const std::string& image, const std::vector<swarm::ObjectView>& secrets) {
  json labels = swarm::component_labels(env, kCertificateComponent);
  json mounted = json::array();
  for (const auto& secret : secrets)
    mounted.push_back({{"File", {{"Name", secret.name}, {"UID", "0"}, {"GID", "0"}, {"Mode", 0400}}},
                       {"SecretID", secret.id},
                       {"SecretName", secret.name}});
  return {
      {"Name", kCertificatesService},
      {"Labels", labels},
      {"TaskTemplate",
       {{"ContainerSpec",
         {{"Image", image},
          {"Args", {"run"}},
          {"Labels", labels},
          {"Secrets", mounted},
          {"Mounts",
           {{{"Type", "volume"},
             {"Source", kEdgeVolume},
             {"Target", kEdgeFolder},
             {"VolumeOptions", {{"Labels", labels}}}}}},
          // Healthy once the certificates are written: a task counts as running only then.
          {"HealthCheck",
           {{"Test", {"CMD", std::string("/") + kProgram, "check"}},
            {"Interval", 200 * kMillisecond},
            {"Timeout", 2000 * kMillisecond},
            {"Retries", 3}}},
          {"StopGracePeriod", 1000 * kMillisecond}}},
        {"RestartPolicy", {{"Condition", "any"}, {"Delay", 1000 * kMillisecond}}}}},
      {"Mode", {{"Global", json::object()}}},
      // It publishes nothing: the new task may write before the old one stops.
      {"UpdateConfig", {{"Parallelism", 0}, {"Order", "start-first"}, {"FailureAction", "pause"}}},
  };
}

std::vector<std::string> sorted(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return names;
}

// The secrets the service's spec mounts now (rsm-acme may have put a renewed one there).
std::vector<std::string> mounted_secrets(engine::Client& manager) {
  std::vector<std::string> names;
  if (auto service = swarm::find_service(manager, kCertificatesService))
    for (const auto& secret : service->spec["TaskTemplate"]["ContainerSpec"].value("Secrets", json::array()))
      names.push_back(secret.value("SecretName", ""));
  return sorted(names);
}

// Waits until a task of the service's current spec has written its certificates on every node.
void wait_until_written(engine::Client& manager) {
  int written = 0, wanted = 0;
  std::optional<std::string> failure;
  swarm::FailureWatch failures(2);
  poll_until(
      kHandOutTimeout, milliseconds(250),
      [&] {
        return fmt::format("the certificates are on {} of {} nodes{}; see `docker service ps {}` on a manager", written,
                           wanted, failure ? ": " + *failure : "", kCertificatesService);
      },
      [&] {
        auto secrets = mounted_secrets(manager);
        auto tasks = swarm::service_tasks(manager, kCertificatesService);
        written = static_cast<int>(std::count_if(tasks.begin(), tasks.end(), [&](const swarm::TaskView& task) {
          return task.running() && sorted(task.secret_names) == secrets;
        }));
        wanted = swarm::schedulable_nodes(manager);
        failure = swarm::task_failure(tasks);
        if (auto again = failures.check(tasks))
          throw Error(
              fmt::format("the edge's certificates cannot be written on the nodes: {}; see `docker service ps {}`",
                          *again, kCertificatesService));
        return written >= wanted;
      });
}

// Removes the certificates of other apps, and each app's older ones (the newest may be
// one that rsm-acme has just stored and is about to hand out). One still mounted stays.
void remove_unused_certificates(engine::Client& manager, const std::string& env, const std::vector<std::string>& apps) {
  auto newest = stored_certificates(manager, env);
  for (const auto& secret :
       swarm::list_objects(manager, "secrets", swarm::component_filters(env, kCertificateComponent))) {
    auto app = secret.labels.find(kCertificateAppLabel);
    bool serving = app != secret.labels.end() && std::find(apps.begin(), apps.end(), app->second) != apps.end() &&
                   newest[app->second].name == secret.name;
    if (!serving)
      ignore_failure("a certificate still mounted by a task being replaced goes with the next change",
                     [&] { manager.remove_if_present("/secrets/" + secret.id); });
  }
}

}  // namespace

std::string store_certificate(engine::Client& manager, const std::string& env, const std::string& app,
                              const Certificate& certificate) {
  std::string name = certificate_secret_name(app, certificate);
  swarm::ensure_secret(manager, name, certificate_secret_labels(env, app, certificate),
                       [&] { return certificate.pem; });
  return name;
}

std::map<std::string, swarm::ObjectView> stored_certificates(engine::Client& manager, const std::string& env) {
  std::map<std::string, swarm::ObjectView> newest;
  for (auto& secret : swarm::list_objects(manager, "secrets", swarm::component_filters(env, kCertificateComponent))) {
    auto app = secret.labels[kCertificateAppLabel];
    auto found = newest.find(app);
    if (found == newest.end() || swarm::engine_time(found->second.created_at) < swarm::engine_time(secret.created_at))
      newest[app] = std::move(secret);
  }
  return newest;
}

void hand_out_certificates(swarm::Environment& env, engine::Client& manager, const std::vector<std::string>& apps,
                           Progress& progress) {
  if (apps.empty() && !swarm::find_service(manager, kCertificatesService))
    return remove_unused_certificates(manager, env.name(), apps);
  engine::Client maker(swarm::engine_for_images(env));
  std::string image = images::ensure_program_image(maker, kProgram, "RSM_EDGE_CERTS");
  swarm::load_image(env, image, progress);
  // rsm-acme may replace a secret or update the service between our reading and our
  // update: read again and make the change again, a few times.
  swarm::ServiceChange change = swarm::ServiceChange::Unchanged;
  for (int attempt = 1;; ++attempt) {
    try {
      auto stored = stored_certificates(manager, env.name());
      std::vector<swarm::ObjectView> mounted;
      for (const auto& app : apps)
        if (auto found = stored.find(app); found != stored.end()) mounted.push_back(found->second);
      change = swarm::apply_service(manager, service_spec(env.name(), image, mounted));
      break;
    } catch (const Error&) {
      if (attempt == 3) throw;
      std::this_thread::sleep_for(seconds(1));
    }
  }
  if (change != swarm::ServiceChange::Unchanged || !apps.empty()) wait_until_written(manager);
  if (!apps.empty())
    progress.step("proxy", fmt::format("{} certificate(s) on every node", mounted_secrets(manager).size()));
  // With none, the folders are empty now: the keys of removed apps stay on no node.
  if (apps.empty())
    if (auto service = swarm::find_service(manager, kCertificatesService)) manager.remove("/services/" + service->id);
  remove_unused_certificates(manager, env.name(), apps);
}

}  // namespace rsm::proxy
