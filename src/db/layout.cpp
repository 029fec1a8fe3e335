// Server names, volumes and tags per node, and each server's service spec: pinned to its
// node, on dbnet under the alias db, with its secrets, start script and policies.
#include "db/layout.h"

#include <algorithm>

#include <fmt/format.h>

#include "db/start_script.h"
#include "swarm/labels.h"
#include "util/content_hash.h"

namespace rsm::db {

using nlohmann::json;

namespace {

constexpr const char* kScriptPath = "/rsm/start.sh";
constexpr long long kSecond = 1'000'000'000;  // the API counts durations in nanoseconds

}  // namespace

json cluster_labels(const std::string& env) { return swarm::component_labels(env, kComponent); }

std::vector<std::string> cluster_filters(const std::string& env) { return swarm::component_filters(env, kComponent); }

std::vector<Server> plan_servers(const std::vector<drivers::Node>& nodes, int per_node) {
  std::vector<Server> servers;
  for (const auto& node : nodes) {
    for (int k = 1; k <= per_node; ++k) {
      Server server;
      server.service = k == 1 ? "db-" + node.name : fmt::format("db-{}-{}", node.name, k);
      server.name = server.service.substr(3);
      std::replace(server.name.begin(), server.name.end(), '-', '_');
      server.node = node.name;
      server.volume = server.service + "-data";
      server.tags.emplace_back(drivers::role_name(node.role));
      if (!node.region.empty()) server.tags.push_back(node.region);
      servers.push_back(std::move(server));
    }
  }
  return servers;
}

std::string start_config_name() { return "rsm-db-start-" + content_hash({kStartScript}); }

json service_spec(const Server& server, const ServiceInputs& inputs) {
  json labels = cluster_labels(inputs.env);
  labels[kServerLabel] = server.name;
  labels[kNodeLabel] = server.node;
  std::string tags;
  for (const auto& tag : server.tags) tags += (tags.empty() ? "" : " ") + tag;
  json secrets = json::array();
  for (const auto& [name, id] : inputs.secret_ids)
    secrets.push_back({{"SecretID", id},
                       {"SecretName", name},
                       {"File", {{"Name", name}, {"UID", "0"}, {"GID", "0"}, {"Mode", 0400}}}});
  json container{
      {"Image", inputs.image},
      {"Hostname", server.service},
      {"Labels", labels},
      {"Command", {"sh", kScriptPath}},
      {"Env",
       {"RSM_SERVER_NAME=" + server.name, "RSM_SERVER_TAGS=" + tags, std::string("RSM_CLUSTER_ALIAS=") + kAlias,
        fmt::format("RSM_STANDALONE={}", inputs.standalone ? 1 : 0),
        fmt::format("RSM_PASSWORD_FILE=/run/secrets/{}", kPasswordSecret), "RSM_CLUSTER_TLS=1"}},
      {"Mounts",
       {{{"Type", "volume"}, {"Source", server.volume}, {"Target", "/data"}, {"VolumeOptions", {{"Labels", labels}}}}}},
      {"Secrets", secrets},
      {"Configs",
       {{{"ConfigID", inputs.config_id},
         {"ConfigName", inputs.config_name},
         {"File", {{"Name", kScriptPath}, {"UID", "0"}, {"GID", "0"}, {"Mode", 0555}}}}}},
      // A server flushes and leaves the cluster cleanly when given the time.
      {"StopGracePeriod", 60 * kSecond},
  };
  json service_labels = labels;
  if (inputs.replicas > 0) service_labels[kReplicasLabel] = std::to_string(inputs.replicas);
  return {
      {"Name", server.service},
      {"Labels", service_labels},
      {"TaskTemplate",
       {{"ContainerSpec", container},
        // Global mode plus the node's rsm.node label: at most one task, only on its node
        // (a machine rsm adopts keeps a hostname of its own).
        {"Placement", {{"Constraints", {fmt::format("node.labels.{}=={}", swarm::kNodeLabel, server.node)}}}},
        {"RestartPolicy", {{"Condition", "any"}, {"Delay", 5 * kSecond}, {"MaxAttempts", 0}}},
        {"Networks", {{{"Target", kNetwork}, {"Aliases", {kAlias}}}}}}},
      {"Mode", {{"Global", json::object()}}},
      {"UpdateConfig", {{"Parallelism", 1}, {"Order", "stop-first"}, {"FailureAction", "pause"}}},
      // Without IPVS there are no virtual IPs: names resolve straight to the servers.
      {"EndpointSpec", {{"Mode", "dnsrr"}}},
  };
}

}  // namespace rsm::db
