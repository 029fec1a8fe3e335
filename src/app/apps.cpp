// `rsm app`'s operations on the swarm: deploy (create or rolling update, waited for until
// every task runs or the swarm rolled back), scale, rollback, remove, and the listings;
// each keeps the edge proxy in step with the ports the apps publish.
#include "app/apps.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app/user_secrets.h"
#include "db/layout.h"
#include "engine/exec.h"
#include "proxy/edge_certificates.h"
#include "proxy/edge_proxy.h"
#include "swarm/image_distribution.h"
#include "swarm/labels.h"
#include "swarm/resources.h"
#include "swarm/service_logs.h"
#include "util/duration.h"
#include "util/error.h"
#include "util/poll.h"
#include "util/split.h"

namespace rsm::app {

using engine::json;
using swarm::ServiceView;

namespace {

constexpr auto kTimeout = seconds(180);
constexpr auto kInterval = milliseconds(250);

bool is_app(const ServiceView& service) { return service.label(swarm::kComponentLabel) == kComponent; }

std::chrono::milliseconds answer_timeout(const ServiceView& service) {
  std::string timeout = service.label(kTimeoutLabel);  // none on apps deployed before it was a setting
  return timeout.empty() ? kDefaultTimeout : parse_duration(timeout, kTimeoutLabel);
}

}  // namespace

Apps::Apps(swarm::Environment& env, Progress& progress) : env_(env), progress_(progress) {}

std::vector<ServiceView> Apps::services(engine::Client& manager) {
  return swarm::list_services(manager, swarm::component_filters(env_.name(), kComponent));
}

ServiceView Apps::find(engine::Client& manager, const std::string& name) {
  auto service = swarm::find_service(manager, name);
  if (!service || !is_app(*service))
    throw UsageError(fmt::format("{} has no app {}; see `rsm app ls {}`", env_.name(), name, env_.name()));
  return *service;
}

DeployOutcome Apps::deploy(DeployRequest request, std::optional<int> replicas) {
  normalize(request);
  engine::Client manager(env_.reachable_manager().engine);
  auto existing = existing_app(manager, request.name);
  check_claims(backends(manager), request);
  auto ports = request.ports;
  if (!request.hosts.empty()) ports.push_back(proxy::kRoutesPort);
  if (request.tls_on()) ports.push_back(proxy::kTlsPort);
  proxy::check_ports_free(env_, manager, ports);
  std::optional<proxy::Certificate> certificate;
  if (request.tls == "custom")
    certificate = proxy::read_certificate(request.tls_certificate, request.tls_key, request.hosts);
  auto acme = proxy::with_settings(proxy::current_orders(manager, env_.name()), request.acme);
  if (request.tls == "auto" && acme.email.empty())
    throw UsageError(
        fmt::format("a certificate from {} needs an email for the ACME account, once per environment: --acme-email "
                    "you@example.com (acme: {{email: ...}} in rsm.yaml); or --tls off, or your own with --tls-cert",
                    acme.directory));
  request.replicas = replicas.value_or(existing ? existing->replicas : 2);
  auto secrets = secret_objects(manager, request);
  auto image = swarm::load_image(env_, request.image, progress_);
  swarm::ensure_overlay_network(manager, db::kNetwork, db::cluster_labels(env_.name()));
  if (request.tls == "auto") order_certificate(manager, request, acme);

  auto change = swarm::apply_service(manager, service_spec(env_.name(), request, secrets, image.id));
  switch (change) {
    case swarm::ServiceChange::Created:
      progress_.step(request.name, fmt::format("created with {} replica(s) of {}", request.replicas, request.image));
      wait_for_tasks(manager, request.name, request.replicas);
      break;
    case swarm::ServiceChange::Updated:
      progress_.step(request.name, fmt::format("updating to {}, new tasks first", request.image));
      wait_for_update(manager, request.name, false);
      wait_for_tasks(manager, request.name, request.replicas);
      break;
    case swarm::ServiceChange::Unchanged:
      break;
  }
  // Stored once the app runs with its new spec: a failed update leaves the one that serves.
  if (certificate && !serves_certificate(manager, request.name, *certificate)) {
    proxy::store_certificate(manager, env_.name(), request.name, *certificate);
    progress_.step(request.name, fmt::format("a certificate for {} until {}", fmt::join(certificate->names, ", "),
                                             proxy::utc_time(certificate->not_after)));
    if (change == swarm::ServiceChange::Unchanged) change = swarm::ServiceChange::Updated;
  }
  publish_ports(manager);
  return change == swarm::ServiceChange::Created   ? DeployOutcome::Created
         : change == swarm::ServiceChange::Updated ? DeployOutcome::Updated
                                                   : DeployOutcome::Unchanged;
}

swarm::ServiceChange Apps::compare(DeployRequest request, std::optional<int> replicas,
                                   const std::set<std::string>& coming_secrets, std::vector<std::string>& differences) {
  normalize(request);
  engine::Client manager(env_.reachable_manager().engine);
  auto existing = existing_app(manager, request.name);
  request.replicas = replicas.value_or(existing ? existing->replicas : 2);
  auto spec = service_spec(env_.name(), request, secret_objects(manager, request, coming_secrets),
                           swarm::find_image_id(env_, request.image));
  auto change = swarm::compare_service(manager, spec, &differences);
  if (request.tls == "custom" &&
      !serves_certificate(manager, request.name,
                          proxy::read_certificate(request.tls_certificate, request.tls_key, request.hosts))) {
    differences.push_back("certificate");
    if (change == swarm::ServiceChange::Unchanged) change = swarm::ServiceChange::Updated;
  }
  return change;
}

bool Apps::serves_certificate(engine::Client& manager, const std::string& app, const proxy::Certificate& certificate) {
  auto stored = proxy::stored_certificates(manager, env_.name());
  auto found = stored.find(app);
  return found != stored.end() && found->second.name == proxy::certificate_secret_name(app, certificate);
}

std::optional<swarm::ServiceView> Apps::existing_app(engine::Client& manager, const std::string& name) {
  auto existing = swarm::find_service(manager, name);
  if (existing && !is_app(*existing))
    throw UsageError(
        fmt::format("{} already has a service {} that is not an app; choose another name", env_.name(), name));
  return existing;
}

std::map<std::string, swarm::ObjectView> Apps::secret_objects(engine::Client& manager, const DeployRequest& request,
                                                              const std::set<std::string>& coming_secrets) {
  std::map<std::string, swarm::ObjectView> objects;
  for (const auto& name : request.secrets) {
    auto secret = find_app_secret(manager, name);
    // A version yet to be stored: which version is no part of the spec's hash.
    if (!secret && coming_secrets.contains(name)) secret = swarm::ObjectView{.name = name + "-coming"};
    if (!secret)
      throw UsageError(fmt::format("{} has no secret {}: {}", env_.name(), name,
                                   name == db::kPasswordSecret
                                       ? fmt::format("create the database first (rsm db create {})", env_.name())
                                       : fmt::format("rsm secret set {} {} stores one", env_.name(), name)));
    objects[name] = *secret;
  }
  return objects;
}

std::vector<std::string> Apps::names() {
  engine::Client manager(env_.reachable_manager().engine);
  std::vector<std::string> out;
  for (const auto& service : services(manager)) out.push_back(service.name);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<proxy::Backend> Apps::backends(engine::Client& manager) {
  std::vector<proxy::Backend> result;
  auto certificates = proxy::stored_certificates(manager, env_.name());
  for (const auto& service : services(manager)) {
    proxy::Backend backend{.app = service.name, .replicas = service.replicas, .timeout = answer_timeout(service)};
    if (auto path = service.label(kHealthPathLabel); !path.empty()) backend.health_path = path;
    if (auto interval = service.label(kHealthIntervalLabel); !interval.empty())
      backend.health_interval = parse_duration(interval, kHealthIntervalLabel);
    for (const auto& port : split(service.label(kPortsLabel), ',')) {
      result.push_back(backend);
      result.back().port = std::atoi(port.c_str());
    }
    if (auto hosts = service.label(kHostsLabel); !hosts.empty()) {
      backend.hosts = split(hosts, ',');
      backend.path = service.label(kPathLabel);
      backend.port = std::atoi(service.label(kHttpPortLabel).c_str());
      if (auto found = certificates.find(service.name);
          found != certificates.end() && !service.label(kTlsLabel).empty()) {
        backend.certificate = found->second.name;
        backend.certificate_expires = found->second.labels[proxy::kCertificateExpiryLabel];
        backend.redirect = service.label(kRedirectLabel) != "false";
        backend.hsts = service.label(kHstsLabel) == "true";
      }
      result.push_back(backend);
    }
  }
  // Ports in order, then routes by app: the same apps give the same configuration.
  std::sort(result.begin(), result.end(), [](const auto& a, const auto& b) {
    return std::tuple(a.routed(), a.routed() ? 0 : a.port, a.app) <
           std::tuple(b.routed(), b.routed() ? 0 : b.port, b.app);
  });
  return result;
}

void Apps::check_claims(const std::vector<proxy::Backend>& published, const DeployRequest& request) {
  for (const auto& backend : published) {
    if (backend.app == request.name) continue;
    for (int port : request.ports)
      if (!backend.routed() && backend.port == port)
        throw UsageError(fmt::format("port {} is published by the app {} already; choose another", port, backend.app));
    if (!backend.routed() || backend.path != request.path) continue;
    for (const auto& host : request.hosts)
      if (std::find(backend.hosts.begin(), backend.hosts.end(), host) != backend.hosts.end())
        throw UsageError(fmt::format("{}{} is routed to the app {} already; give another host or path", host,
                                     request.path, backend.app));
  }
}

std::vector<proxy::AcmeOrder> Apps::acme_orders(engine::Client& manager, const std::string& leaving) {
  std::vector<proxy::AcmeOrder> orders;
  for (const auto& service : services(manager))
    if (service.label(kTlsLabel) == "auto" && service.name != leaving)
      orders.push_back({service.name, split(service.label(kHostsLabel), ',')});
  return orders;
}

void Apps::order_certificate(engine::Client& manager, const DeployRequest& request, proxy::AcmeOrders acme) {
  auto before = proxy::current_orders(manager, env_.name());
  acme.orders = acme_orders(manager, request.name);
  acme.orders.push_back({request.name, request.hosts});
  // Port 80 of every node answers the ACME server's challenges first.
  proxy::publish(env_, db::kNetwork, backends(manager), progress_, true);
  try {
    proxy::keep_certificates(env_, manager, db::kNetwork, acme, request.name, progress_);
  } catch (const Error&) {
    // Refused: rsm-acme keeps what it kept, and the app stays as it was.
    ignore_failure("rsm-acme keeps the refused order until the next deploy", [&] {
      proxy::keep_certificates(env_, manager, db::kNetwork, before, "", progress_);
      publish_ports(manager);
    });
    throw;
  }
}

void Apps::publish_ports(engine::Client& manager) {
  auto kept = proxy::current_orders(manager, env_.name());
  auto wanted = kept;
  wanted.orders = acme_orders(manager);
  std::sort(wanted.orders.begin(), wanted.orders.end(),
            [](const proxy::AcmeOrder& a, const proxy::AcmeOrder& b) { return a.app < b.app; });
  proxy::publish(env_, db::kNetwork, backends(manager), progress_, !wanted.orders.empty());
  if (wanted.orders != kept.orders) proxy::keep_certificates(env_, manager, db::kNetwork, wanted, "", progress_);
}

void Apps::wait_for_update(engine::Client& manager, const std::string& name, bool rollback) {
  swarm::wait_for_update(manager, find(manager, name), rollback,
                         fmt::format("see `rsm app ps {0} {1}` and `rsm app logs {0} {1}`", env_.name(), name),
                         progress_);
}

void Apps::wait_for_tasks(engine::Client& manager, const std::string& name, int replicas) {
  int running = 0;
  // One crash may be bad luck; tasks failing again and again are not.
  swarm::FailureWatch failures(2);
  poll_until(
      kTimeout, kInterval,
      [&] {
        return fmt::format("{} has {} of {} tasks running; see `rsm app ps {} {}`", name, running, replicas,
                           env_.name(), name);
      },
      [&] {
        auto tasks = swarm::service_tasks(manager, name);
        running = swarm::running_tasks(tasks);
        if (running >= replicas) return true;
        if (auto failure = failures.check(tasks))
          throw Error(
              fmt::format("{}'s tasks keep failing: {}; see `rsm app logs {} {}`", name, *failure, env_.name(), name));
        return false;
      });
}

nlohmann::json to_json(const AppRow& row) {
  return {{"name", row.name},
          {"image", row.image},
          {"replicas", row.replicas},
          {"running", row.running},
          {"ports", row.ports},
          {"timeout", row.timeout},
          {"urls", row.urls},
          {"update", row.update},
          {"update_message", row.update_message},
          {"failure", row.failure},
          {"routes", row.routes},
          {"certificate_expires", row.certificate_expires.empty() ? json(nullptr) : json(row.certificate_expires)}};
}

std::vector<AppRow> Apps::list() {
  engine::Client manager(env_.reachable_manager().engine);
  std::vector<AppRow> rows;
  auto published = backends(manager);
  std::map<int, std::vector<std::string>> urls;  // port -> URLs
  for (const auto& backend : published)
    if (!backend.routed()) urls[backend.port] = proxy::urls(env_, backend.port);
  for (const auto& service : services(manager)) {
    auto tasks = swarm::service_tasks(manager, service.name);
    AppRow row{.name = service.name,
               .image = service.image,
               .replicas = service.replicas,
               .running = swarm::running_tasks(tasks),
               .ports = service.label(kPortsLabel),
               .timeout = format_duration(answer_timeout(service)),
               .update = service.update_state,
               .update_message = service.update_message};
    if (row.running < row.replicas) row.failure = swarm::task_failure(tasks).value_or("");
    for (const auto& backend : published) {
      if (backend.app != row.name) continue;
      if (!backend.routed()) {
        row.urls.insert(row.urls.end(), urls[backend.port].begin(), urls[backend.port].end());
        continue;
      }
      row.routes = proxy::route_urls(backend.hosts, backend.path, backend.tls());
      row.certificate_expires = backend.certificate_expires;
    }
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const AppRow& a, const AppRow& b) { return a.name < b.name; });
  return rows;
}

std::vector<TaskRow> Apps::tasks(const std::string& name) {
  engine::Client manager(env_.reachable_manager().engine);
  find(manager, name);
  std::map<std::string, std::string> names;  // node ID -> rsm's name for it
  for (const auto& node : swarm::list_nodes(manager)) names[node.id] = node.name;
  std::vector<TaskRow> rows;
  for (const auto& task : swarm::service_tasks(manager, name))
    rows.push_back({.id = task.id.substr(0, 12),
                    .node = names[task.node_id],
                    .state = task.state,
                    .desired = task.desired_state,
                    .image = task.image,
                    .error = task.error});
  return rows;
}

void Apps::logs(const std::string& name, const swarm::LogQuery& query,
                const std::function<void(std::string_view)>& output) {
  auto manager_node = env_.reachable_manager();
  engine::Client manager(manager_node.engine);
  swarm::service_logs(manager_node.engine, {find(manager, name)}, query, output);
}

int Apps::exec(const std::string& name, const std::string& node, const std::vector<std::string>& argv, bool tty) {
  if (argv.empty()) throw UsageError("name the command to run after --: rsm app exec ENV NAME -- sh");
  engine::Client manager(env_.reachable_manager().engine);
  find(manager, name);
  auto running = env_.running(manager, swarm::service_tasks(manager, name));
  std::erase_if(running, [&](const swarm::RunningTask& task) { return !node.empty() && task.node.name != node; });
  if (running.empty())
    throw Error(fmt::format("{} has no running task{}; see `rsm app ps {} {}`", name, node.empty() ? "" : " on " + node,
                            env_.name(), name));
  engine::Client node_engine(running.front().node.engine);
  return engine::exec_attached(node_engine, running.front().container, argv, tty);
}

void Apps::scale(const std::string& name, int replicas) {
  if (replicas < 0) throw UsageError("replicas cannot be negative");
  engine::Client manager(env_.reachable_manager().engine);
  ServiceView service = find(manager, name);
  json spec = service.spec;
  spec["Mode"]["Replicated"]["Replicas"] = replicas;
  progress_.step(name, fmt::format("scaling to {}", replicas));
  swarm::update_service(manager, service, spec);
  wait_for_tasks(manager, name, replicas);
  publish_ports(manager);
}

void Apps::rollback(const std::string& name) {
  engine::Client manager(env_.reachable_manager().engine);
  ServiceView service = find(manager, name);
  if (!service.has_previous_spec)
    throw UsageError(fmt::format("{} has never been updated: there is nothing to roll back to", name));
  progress_.step(name, "rolling back to the previous spec");
  swarm::update_service(manager, service, service.spec, "&rollback=previous");
  wait_for_update(manager, name, true);
  wait_for_tasks(manager, name, find(manager, name).replicas);
}

void Apps::remove(const std::string& name) {
  engine::Client manager(env_.reachable_manager().engine);
  ServiceView service = find(manager, name);
  progress_.step(name, "removing");
  manager.remove("/services/" + service.id);
  publish_ports(manager);
}

}  // namespace rsm::app
