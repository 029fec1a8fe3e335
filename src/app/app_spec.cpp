// An app's service spec, and the checks on a deploy request made before anything is.
#include "app/app_spec.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "db/layout.h"
#include "swarm/labels.h"
#include "util/duration.h"
#include "util/error.h"

namespace rsm::app {

using nlohmann::json;

namespace {

constexpr long long kSecond = 1'000'000'000;  // the API counts durations in nanoseconds

bool has_variable(const std::vector<std::string>& variables, const std::string& name) {
  return std::any_of(variables.begin(), variables.end(),
                     [&](const std::string& line) { return line.rfind(name + "=", 0) == 0; });
}

// Host names lower case, sorted and once each; the path without a trailing '/'.
void normalize_routes(DeployRequest& request, const Spelling& spelling) {
  // Host names as DNS has them: labels of letters, digits and '-', dot-separated.
  static const std::regex host_name("([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  for (auto& host : request.hosts) {
    std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
    if (host.size() > 253 || !std::regex_match(host, host_name))
      throw UsageError(fmt::format("{} takes host names such as www.example.com, not '{}'", spelling.host, host));
  }
  std::sort(request.hosts.begin(), request.hosts.end());
  request.hosts.erase(std::unique(request.hosts.begin(), request.hosts.end()), request.hosts.end());
  // Characters HAProxy's configuration takes as they are (no quotes, no '#').
  static const std::regex path_prefix("(/[A-Za-z0-9._~%-]+)*/?");
  if (!request.path.empty() && !std::regex_match(request.path, path_prefix))
    throw UsageError(fmt::format("{} takes a path prefix such as /api, not '{}'", spelling.path, request.path));
  while (!request.path.empty() && request.path.back() == '/') request.path.pop_back();
  if (!request.path.empty() && request.hosts.empty())
    throw UsageError(
        fmt::format("{} routes part of a host's requests: give the host too ({})", spelling.path, spelling.host));
  if (request.http_port < 0 || request.http_port > 65535)
    throw UsageError(fmt::format("invalid port {} in {}", request.http_port, spelling.http_port));
  if (request.http_port && request.hosts.empty())
    throw UsageError(fmt::format("{} is where the app answers its hosts' requests: give them too ({})",
                                 spelling.http_port, spelling.host));
  if (!request.hosts.empty() &&
      std::find(request.ports.begin(), request.ports.end(), kRoutesPort) != request.ports.end())
    throw UsageError(fmt::format("port {} takes the requests for {}; leave it out of {}", kRoutesPort, spelling.host,
                                 spelling.port));
}

// The TLS mode settled: "custom" with files, else what was asked, "auto" with hosts by default.
void normalize_tls(DeployRequest& request, const Spelling& spelling) {
  if (request.tls_certificate.empty() != request.tls_key.empty())
    throw UsageError(
        fmt::format("{} and {} go together: the certificate and its key", spelling.tls_certificate, spelling.tls_key));
  if (!request.tls.empty() && request.tls != "auto" && request.tls != "off")
    throw UsageError(fmt::format("{} takes auto or off (or a certificate of yours: {} and {}), not '{}'", spelling.tls,
                                 spelling.tls_certificate, spelling.tls_key, request.tls));
  if (!request.tls_certificate.empty()) {
    if (!request.tls.empty())
      throw UsageError(fmt::format("{} {} or a certificate of yours ({}): one of them", spelling.tls, request.tls,
                                   spelling.tls_certificate));
    request.tls = "custom";
  }
  if (request.hosts.empty()) {
    if (request.tls_on())
      throw UsageError(fmt::format("{} is for the app's host names: give them too ({})",
                                   request.tls == "custom" ? spelling.tls_certificate : spelling.tls, spelling.host));
    request.tls.clear();
  } else if (request.tls.empty()) {
    request.tls = "auto";
  }
  const char* setting = request.hsts ? spelling.hsts : spelling.redirect;
  if (!request.tls_on() && (!request.redirect || request.hsts))
    throw UsageError(
        request.hosts.empty()
            ? fmt::format("{} is for HTTPS of the app's host names: give them too ({})", setting, spelling.host)
            : fmt::format("{} is for HTTPS, which {} off turns off", setting, spelling.tls));
}

void check_health(const DeployRequest& request, const Spelling& spelling) {
  if (!std::regex_match(request.health_path, std::regex("/[A-Za-z0-9._~%/?=&-]*")))
    throw UsageError(
        fmt::format("{} takes a path such as /healthz, not '{}'", spelling.health_path, request.health_path));
  if (request.health_interval < kMinHealthInterval || request.health_interval > kMaxHealthInterval)
    throw UsageError(fmt::format("{} takes {} to {}", spelling.health_interval, format_duration(kMinHealthInterval),
                                 format_duration(kMaxHealthInterval)));
}

}  // namespace

void normalize(DeployRequest& request, const Spelling& spelling) {
  // A DNS label: the name is also the app's name on the network.
  if (!std::regex_match(request.name, std::regex("[a-z]([a-z0-9-]{0,61}[a-z0-9])?")))
    throw UsageError(fmt::format("invalid app name '{}': use a-z, 0-9 and '-', starting with a letter", request.name));
  if (request.name == db::kAlias || request.name.rfind("db-", 0) == 0)
    throw UsageError(fmt::format("the app name '{}' is taken by the database; choose another", request.name));
  if (request.replicas < 0) throw UsageError(fmt::format("{} cannot be negative", spelling.replicas));
  for (const auto& line : request.variables)
    if (line.find('=') == std::string::npos || line.front() == '=')
      throw UsageError(fmt::format("{} takes KEY=VALUE, not '{}'", spelling.variables, line));
  for (int port : request.ports)
    if (port < 1 || port > 65535) throw UsageError(fmt::format("invalid port {} in {}", port, spelling.port));
  if (request.timeout < kMinTimeout || request.timeout > kMaxTimeout)
    throw UsageError(
        fmt::format("{} takes {} to {}", spelling.timeout, format_duration(kMinTimeout), format_duration(kMaxTimeout)));
  normalize_routes(request, spelling);
  normalize_tls(request, spelling);
  check_health(request, spelling);
}

json service_spec(const std::string& env, const DeployRequest& request,
                  const std::map<std::string, swarm::ObjectView>& secret_objects, const std::string& image_id) {
  json labels = swarm::component_labels(env, kComponent);
  labels[kPortsLabel] = fmt::format("{}", fmt::join(request.ports, ","));
  labels[kTimeoutLabel] = format_duration(request.timeout);
  if (!request.hosts.empty()) {
    labels[kHostsLabel] = fmt::format("{}", fmt::join(request.hosts, ","));
    if (!request.path.empty()) labels[kPathLabel] = request.path;
    labels[kHttpPortLabel] = std::to_string(request.route_port());
  }
  if (request.tls_on()) labels[kTlsLabel] = request.tls;
  if (!request.redirect) labels[kRedirectLabel] = "false";
  if (request.hsts) labels[kHstsLabel] = "true";
  if (request.health_path != kDefaultHealthPath) labels[kHealthPathLabel] = request.health_path;
  if (request.health_interval != kDefaultHealthInterval)
    labels[kHealthIntervalLabel] = format_duration(request.health_interval);

  std::vector<std::string> variables = request.variables;
  json secrets = json::array();
  for (const auto& name : request.secrets) {
    secrets.push_back({{"SecretID", secret_objects.at(name).id},
                       {"SecretName", secret_objects.at(name).name},
                       {"File", {{"Name", name}, {"UID", "0"}, {"GID", "0"}, {"Mode", 0444}}}});
    // The database's password, where the sample app looks for it.
    if (name == db::kPasswordSecret && !has_variable(variables, "RETHINKDB_PASSWORD_FILE"))
      variables.push_back(fmt::format("RETHINKDB_PASSWORD_FILE=/run/secrets/{}", name));
  }

  // The app's own health check (--health-cmd) may ask the path the edge asks.
  if (request.health_path != kDefaultHealthPath && !has_variable(variables, kHealthPathVariable))
    variables.push_back(fmt::format("{}={}", kHealthPathVariable, request.health_path));

  json container_labels = swarm::component_labels(env, kComponent);
  container_labels["rsm.image.id"] = image_id;
  json container{{"Image", request.image},
                 {"Env", variables},
                 {"Secrets", secrets},
                 {"Labels", container_labels},
                 // Long enough to drain in-flight requests; apps must handle SIGTERM.
                 {"StopGracePeriod", 15 * kSecond}};
  if (!request.health_command.empty())
    container["HealthCheck"] = {
        {"Test", json::array({"CMD"})},
        {"Interval",
         request.health_interval == kDefaultHealthInterval ? 2 * kSecond : request.health_interval.count() * 1'000'000},
        {"Timeout", 2 * kSecond},
        {"Retries", 3},
        {"StartPeriod", 10 * kSecond}};
  for (const auto& word : request.health_command) container["HealthCheck"]["Test"].push_back(word);

  return {
      {"Name", request.name},
      {"Labels", labels},
      {"TaskTemplate",
       {{"ContainerSpec", container},
        {"RestartPolicy", {{"Condition", "any"}, {"Delay", 2 * kSecond}}},
        {"Networks", {{{"Target", db::kNetwork}}}}}},
      {"Mode", {{"Replicated", {{"Replicas", request.replicas}}}}},
      // New tasks start (and pass their health check) before old ones stop; a failed
      // update goes back to the previous spec by itself.
      {"UpdateConfig",
       {{"Parallelism", 1},
        {"Delay", 1 * kSecond},
        {"Order", "start-first"},
        {"FailureAction", "rollback"},
        {"Monitor", 10 * kSecond},
        {"MaxFailureRatio", 0}}},
      {"RollbackConfig",
       {{"Parallelism", 1}, {"Order", "start-first"}, {"FailureAction", "pause"}, {"Monitor", 5 * kSecond}}},
      // Without IPVS there are no virtual IPs: NAME and tasks.NAME resolve to the tasks.
      {"EndpointSpec", {{"Mode", "dnsrr"}}},
  };
}

}  // namespace rsm::app
