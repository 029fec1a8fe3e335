// The user's secrets as versions of swarm secrets: see user_secrets.h.
#include "app/user_secrets.h"

#include <openssl/rand.h>

#include <algorithm>
#include <regex>

#include <fmt/format.h>

#include "app/app_spec.h"
#include "reql/base64.h"
#include "reql/scram.h"
#include "swarm/labels.h"
#include "swarm/resources.h"
#include "util/error.h"

namespace rsm::app {

using nlohmann::json;

namespace {

constexpr const char* kSecretComponent = "secret";

std::string random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
    throw Error("cannot make random bytes (OpenSSL's RAND_bytes failed)");
  std::string hex;
  for (unsigned char byte : raw) hex += fmt::format("{:02x}", byte);
  return hex;
}

std::string digest(const std::string& salt, const std::string& value) {
  std::string out;
  for (unsigned char byte : reql::hmac_sha256(salt, value)) out += fmt::format("{:02x}", byte);
  return salt + ":" + out;
}

bool holds(const swarm::ObjectView& version, const std::string& value) {
  auto found = version.labels.find(kSecretDigestLabel);
  if (found == version.labels.end()) return false;
  return digest(found->second.substr(0, found->second.find(':')), value) == found->second;
}

void check_name(const std::string& name) {
  static const std::regex valid("[A-Za-z0-9_.-]{1,48}");
  if (!std::regex_match(name, valid))
    throw UsageError(fmt::format("invalid secret name '{}': use 1 to 48 of A-Z, a-z, 0-9, '_', '.', '-'", name));
}

// The secret's versions, oldest first.
std::vector<swarm::ObjectView> versions(engine::Client& manager, const std::string& name) {
  auto found = swarm::list_objects(manager, "secrets", {fmt::format("{}={}", kSecretLabel, name)});
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.created_at < b.created_at; });
  return found;
}

// The secret references of a service's spec that mount the secret NAME.
std::vector<json*> references(json& spec, const std::string& name) {
  std::vector<json*> out;
  auto& secrets = spec["TaskTemplate"]["ContainerSpec"]["Secrets"];
  if (!secrets.is_array()) return out;
  for (auto& reference : secrets)
    if (reference.value("File", json::object()).value("Name", "") == name) out.push_back(&reference);
  return out;
}

// The apps that mount the secret.
std::vector<swarm::ServiceView> users(engine::Client& manager, const std::string& env, const std::string& name) {
  std::vector<swarm::ServiceView> out;
  for (auto& service : swarm::list_services(manager, swarm::component_filters(env, kComponent)))
    if (!references(service.spec, name).empty()) out.push_back(std::move(service));
  return out;
}

}  // namespace

std::optional<swarm::ObjectView> find_app_secret(engine::Client& manager, const std::string& name) {
  auto found = versions(manager, name);
  if (!found.empty()) return found.back();
  return swarm::find_object(manager, "secrets", name);
}

UserSecrets::UserSecrets(swarm::Environment& env, Progress& progress) : env_(env), progress_(progress) {}

std::optional<bool> UserSecrets::holds_value(const std::string& name, const std::string& value) {
  check_name(name);
  engine::Client manager(env_.reachable_manager().engine);
  auto found = versions(manager, name);
  if (found.empty()) return std::nullopt;
  return holds(found.back(), value);
}

SecretChange UserSecrets::set(const std::string& name, const std::string& value) {
  check_name(name);
  if (value.empty()) throw UsageError(fmt::format("the value of secret {} is empty", name));
  engine::Client manager(env_.reachable_manager().engine);
  auto earlier = versions(manager, name);
  if (!earlier.empty() && holds(earlier.back(), value)) return {};
  if (earlier.empty())
    if (auto other = swarm::find_object(manager, "secrets", name))
      throw UsageError(fmt::format("{} has a secret {} that rsm did not make; choose another name", env_.name(), name));

  json labels = swarm::component_labels(env_.name(), kSecretComponent);
  labels[kSecretLabel] = name;
  labels[kSecretDigestLabel] = digest(random_hex(16), value);
  std::string object = fmt::format("{}-{}", name, random_hex(4));
  std::string id =
      manager.post("/secrets/create", {{"Name", object}, {"Labels", labels}, {"Data", reql::base64_encode(value)}})
          .at("ID");
  progress_.step(name, earlier.empty() ? "stored" : "stored a new value");

  SecretChange change{.changed = true};
  for (auto& service : users(manager, env_.name(), name)) {
    json spec = service.spec;
    for (auto* reference : references(spec, name)) {
      (*reference)["SecretID"] = id;
      (*reference)["SecretName"] = object;
    }
    // The spec's hash (rsm.spec) leaves out which version: it stays what deploy makes.
    progress_.step(service.name, fmt::format("rolling out the new value of {}", name));
    swarm::update_service(manager, service, spec);
    swarm::wait_for_update(manager, *swarm::find_service(manager, service.name), false,
                           fmt::format("see `rsm app ps {} {}`", env_.name(), service.name), progress_);
    change.redeployed.push_back(service.name);
  }
  // Versions that no service mounts now: the engine refuses to remove one in use.
  for (const auto& version : earlier)
    ignore_failure("a version still in use goes with the next set",
                   [&] { manager.remove_if_present("/secrets/" + version.id); });
  return change;
}

std::vector<SecretInfo> UserSecrets::list() {
  engine::Client manager(env_.reachable_manager().engine);
  std::map<std::string, swarm::ObjectView> newest;
  for (const auto& version :
       swarm::list_objects(manager, "secrets", swarm::component_filters(env_.name(), kSecretComponent))) {
    std::string name = version.labels.count(kSecretLabel) ? version.labels.at(kSecretLabel) : version.name;
    if (!newest.contains(name) || newest[name].created_at < version.created_at) newest[name] = version;
  }
  std::vector<SecretInfo> out;
  for (const auto& [name, version] : newest) {
    SecretInfo info{.name = name, .created_at = version.created_at};
    for (const auto& service : users(manager, env_.name(), name)) info.used_by.push_back(service.name);
    out.push_back(std::move(info));
  }
  return out;
}

void UserSecrets::remove(const std::string& name) {
  check_name(name);
  engine::Client manager(env_.reachable_manager().engine);
  auto found = versions(manager, name);
  if (found.empty())
    throw UsageError(fmt::format("{} has no secret {}; `rsm secret ls {}` lists them", env_.name(), name, env_.name()));
  auto using_it = users(manager, env_.name(), name);
  if (!using_it.empty())
    throw UsageError(fmt::format("secret {} is mounted by app {}: deploy it without the secret, or remove it first",
                                 name, using_it.front().name));
  for (const auto& version : found) manager.remove_if_present("/secrets/" + version.id);
}

}  // namespace rsm::app
