// rsm.yaml read with yaml-cpp by a reader that knows every key, so an unknown key or a
// wrong type is an error naming the file, line and key.
#include "up/environment_file.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "util/duration.h"
#include "util/error.h"

namespace rsm::up {

namespace {

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& what) const {
    throw UsageError(fmt::format("{}:{}: {}", file_, node.Mark().line + 1, what));
  }

  // Refuses keys outside `known`.
  void only(const YAML::Node& map, const std::string& where, std::initializer_list<const char*> known) const {
    if (!map.IsMap()) fail(map, fmt::format("{} must be a mapping", where));
    std::set<std::string> allowed(known.begin(), known.end());
    for (const auto& item : map) {
      auto key = item.first.as<std::string>();
      if (!allowed.contains(key)) fail(item.first, fmt::format("unknown key '{}' in {}", key, where));
    }
  }

  template <class T>
  T value(const YAML::Node& node, const std::string& what) const {
    try {
      return node.as<T>();
    } catch (const YAML::Exception&) {
      fail(node, fmt::format("{} has the wrong type", what));
    }
  }

  template <class T>
  void optional(const YAML::Node& map, const char* key, T& out) const {
    if (map[key]) out = value<T>(map[key], key);
  }

  // A duration such as 90s or 6h (util/duration.h).
  std::chrono::milliseconds duration(const YAML::Node& node, const char* key) const {
    try {
      return parse_duration(value<std::string>(node, key), fmt::format("{}:", key));
    } catch (const UsageError& e) {
      fail(node, e.what());
    }
  }

 private:
  std::string file_;
};

// One group of nodes. The short form (a single mapping) makes one manager unless told.
swarm::CreateRequest read_node_group(const Reader& reader, const YAML::Node& group, bool short_form) {
  reader.only(
      group, "nodes",
      {"managers", "workers", "driver", "role", "hosts", "region", "ssh_key", "advertise", "mesh", "size", "image"});
  swarm::CreateRequest request;
  if (short_form) request.managers = 1;
  reader.optional(group, "driver", request.driver);
  reader.optional(group, "region", request.region);
  if (group["mesh"] && request.driver != "local") reader.fail(group["mesh"], "mesh is for groups with driver: local");
  for (const char* key : {"size", "image"})
    if (group[key] && request.driver != "digitalocean")
      reader.fail(group[key], fmt::format("{} is for groups with driver: digitalocean", key));
  reader.optional(group, "size", request.size);
  reader.optional(group, "image", request.image);
  if (group["hosts"]) {
    if (request.driver != "ssh") reader.fail(group["hosts"], "hosts are for groups with driver: ssh");
    if (group["managers"] || group["workers"])
      reader.fail(group, "a group of hosts takes role: manager or role: worker, not counts");
    request.hosts = reader.value<std::vector<std::string>>(group["hosts"], "hosts");
    std::string role = "worker";
    reader.optional(group, "role", role);
    auto parsed = drivers::parse_role(role);
    if (!parsed) reader.fail(group["role"], "role is manager or worker");
    int count = static_cast<int>(request.hosts.size());
    request.managers = *parsed == drivers::Role::Manager ? count : 0;
    request.workers = *parsed == drivers::Role::Worker ? count : 0;
    reader.optional(group, "ssh_key", request.ssh_key);
    reader.optional(group, "advertise", request.advertise);
    if (!request.advertise.empty() && request.advertise.size() != request.hosts.size())
      reader.fail(group["advertise"], "advertise takes one address per host, in the same order");
    return request;
  }
  if (request.driver == "ssh") reader.fail(group, "a group with driver: ssh names its machines in hosts");
  for (const char* key : {"role", "ssh_key", "advertise"})
    if (group[key]) reader.fail(group[key], fmt::format("{} is for groups of hosts (driver: ssh)", key));
  reader.optional(group, "mesh", request.mesh);
  reader.optional(group, "managers", request.managers);
  reader.optional(group, "workers", request.workers);
  if (request.managers < 0) reader.fail(group["managers"], "managers cannot be negative");
  if (request.workers < 0) reader.fail(group["workers"], "workers cannot be negative");
  return request;
}

// ${VAR}, ${VAR:-default} and $${ in one value.
std::string expand(const Reader& reader, const YAML::Node& node, const std::string& text, const Variables& variables) {
  std::string out;
  for (size_t at = 0; at < text.size();) {
    if (text.compare(at, 3, "$${") == 0) {
      out += "${";
      at += 3;
      continue;
    }
    if (text.compare(at, 2, "${") != 0) {
      out += text[at++];
      continue;
    }
    auto end = text.find('}', at);
    if (end == std::string::npos) reader.fail(node, "${ without its closing }");
    std::string inside = text.substr(at + 2, end - at - 2);
    auto dash = inside.find(":-");
    std::string name = inside.substr(0, dash);
    static const std::regex valid("[A-Za-z_][A-Za-z0-9_]*");
    if (!std::regex_match(name, valid)) reader.fail(node, fmt::format("${{{}}} is not a variable name", name));
    auto value = variables(name);
    if (!value && dash == std::string::npos)
      reader.fail(node, fmt::format("${{{}}} is not set (in the environment nor in .env); set it, or write "
                                    "${{{}:-DEFAULT}}",
                                    name, name));
    out += value ? *value : inside.substr(dash + 2);
    at = end + 1;
  }
  return out;
}

// Replaces the variables in every value (not in keys) of the tree.
void expand_variables(const Reader& reader, YAML::Node node, const Variables& variables) {
  if (node.IsScalar()) {
    auto text = node.Scalar();
    if (text.find('$') != std::string::npos) node = expand(reader, node, text, variables);
  } else if (node.IsSequence()) {
    for (auto item : node) expand_variables(reader, item, variables);
  } else if (node.IsMap()) {
    for (auto item : node) expand_variables(reader, item.second, variables);
  }
}

}  // namespace

Variables environment_variables(const std::filesystem::path& dotenv) {
  std::map<std::string, std::string> file;
  std::ifstream in(dotenv);
  for (std::string line; std::getline(in, line);) {
    auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    if (line.compare(start, 7, "export ") == 0) start += 7;
    auto equals = line.find('=', start);
    if (equals == std::string::npos) continue;
    std::string value = line.substr(equals + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    file[line.substr(start, equals - start)] = value;
  }
  return [file](const std::string& name) -> std::optional<std::string> {
    if (const char* value = std::getenv(name.c_str())) return value;
    if (auto found = file.find(name); found != file.end()) return found->second;
    return std::nullopt;
  };
}

EnvironmentFile parse_environment_file(const std::string& text, const std::string& file_name, const Variables& given) {
  Reader reader(file_name);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw UsageError(fmt::format("{}:{}: {}", file_name, e.mark.line + 1, e.msg));
  }
  auto folder = std::filesystem::path(file_name).parent_path();
  Variables variables = given ? given : environment_variables({});
  expand_variables(reader, root, variables);
  reader.only(root, "the file", {"env", "nodes", "db", "apps", "secrets", "acme"});
  EnvironmentFile file;
  reader.optional(root, "env", file.env);

  if (auto nodes = root["nodes"]) {
    if (nodes.IsSequence()) {
      for (const auto& group : nodes) file.node_groups.push_back(read_node_group(reader, group, false));
    } else {
      file.node_groups.push_back(read_node_group(reader, nodes, true));
    }
    bool has_manager = std::any_of(file.node_groups.begin(), file.node_groups.end(),
                                   [](const swarm::CreateRequest& group) { return group.managers > 0; });
    if (!has_manager) reader.fail(nodes, "an environment needs at least one manager");
    // Local nodes that share the environment with machines elsewhere are made in the mesh.
    bool elsewhere = std::any_of(file.node_groups.begin(), file.node_groups.end(),
                                 [](const swarm::CreateRequest& group) { return group.driver != "local"; });
    for (auto& group : file.node_groups)
      if (group.driver == "local") group.mesh = group.mesh || elsewhere;
  } else {
    file.node_groups.push_back({.managers = 1});
  }

  if (auto db = root["db"]) {
    db::CreateOptions options;
    if (!db.IsNull()) {
      reader.only(db, "db", {"image", "servers_per_node", "replicas", "wait", "heartbeat", "backup"});
      reader.optional(db, "image", options.image);
      reader.optional(db, "servers_per_node", options.servers_per_node);
      reader.optional(db, "replicas", options.replicas);
      reader.optional(db, "wait", options.wait);
      reader.optional(db, "heartbeat", options.heartbeat);
      if (db["heartbeat"] && (options.heartbeat < db::kMinHeartbeat || options.heartbeat > db::kMaxHeartbeat))
        reader.fail(db["heartbeat"],
                    fmt::format("heartbeat takes {} to {} seconds", db::kMinHeartbeat, db::kMaxHeartbeat));
      if (options.servers_per_node < 1 || options.servers_per_node > 9)
        reader.fail(db["servers_per_node"], "servers_per_node takes 1 to 9");
      if (options.replicas < 0 || options.replicas > 9) reader.fail(db["replicas"], "replicas takes 1 to 9");
      if (auto backup = db["backup"]) {
        reader.only(backup, "backup", {"every", "keep"});
        EnvironmentFile::BackupSchedule schedule;
        if (!backup["every"]) reader.fail(backup, "backup needs every: a duration (6h, 1d...)");
        schedule.every = std::chrono::duration_cast<std::chrono::seconds>(reader.duration(backup["every"], "every"));
        if (schedule.every < std::chrono::seconds(1)) reader.fail(backup["every"], "every takes 1s or more");
        reader.optional(backup, "keep", schedule.keep);
        if (schedule.keep < 1) reader.fail(backup["keep"], "keep takes 1 or more");
        file.backups = schedule;
      }
    }
    file.db = options;
  }

  proxy::AcmeSettings acme;
  if (auto server = root["acme"]) {
    reader.only(server, "acme", {"directory", "email", "ca"});
    reader.optional(server, "directory", acme.directory);
    reader.optional(server, "email", acme.email);
    if (server["ca"]) acme.ca_file = (folder / reader.value<std::string>(server["ca"], "ca")).string();
  }

  if (auto apps = root["apps"]) {
    if (!apps.IsSequence()) reader.fail(apps, "apps must be a list");
    for (const auto& app : apps) {
      reader.only(app, "an app",
                  {"name", "image", "source", "target", "packages", "replicas", "ports", "env", "secrets", "health_cmd",
                   "timeout", "hosts", "path", "http_port", "health", "tls", "redirect", "hsts"});
      AppEntry entry;
      if (!app["name"] || !app["image"]) reader.fail(app, "every app needs a name and an image");
      entry.request.name = reader.value<std::string>(app["name"], "name");
      entry.request.image = reader.value<std::string>(app["image"], "image");
      if (app["replicas"]) {
        entry.replicas = reader.value<int>(app["replicas"], "replicas");
        entry.request.replicas = *entry.replicas;  // checked with the rest of the app below
      }
      if (app["source"]) entry.source = folder / reader.value<std::string>(app["source"], "source");
      reader.optional(app, "target", entry.target);
      reader.optional(app, "packages", entry.packages);
      reader.optional(app, "ports", entry.request.ports);
      reader.optional(app, "secrets", entry.request.secrets);
      if (auto env = app["env"]) {
        if (!env.IsMap()) reader.fail(env, "env must be a mapping of names to values");
        for (const auto& item : env)
          entry.request.variables.push_back(item.first.as<std::string>() + "=" +
                                            reader.value<std::string>(item.second, "an env value"));
      }
      if (app["timeout"]) entry.request.timeout = reader.duration(app["timeout"], "timeout");
      reader.optional(app, "hosts", entry.request.hosts);
      reader.optional(app, "path", entry.request.path);
      reader.optional(app, "http_port", entry.request.http_port);
      if (auto health = app["health"]) {
        reader.only(health, "health", {"path", "interval"});
        reader.optional(health, "path", entry.request.health_path);
        if (health["interval"]) entry.request.health_interval = reader.duration(health["interval"], "interval");
      }
      if (auto tls = app["tls"]; tls && tls.IsScalar()) {
        entry.request.tls = reader.value<std::string>(tls, "tls");
      } else if (tls) {
        if (!tls.IsMap()) reader.fail(tls, "tls takes auto, off, or {cert: FILE, key: FILE} (PEM)");
        reader.only(tls, "tls", {"cert", "key"});
        if (!tls["cert"] || !tls["key"]) reader.fail(tls, "tls takes both cert: and key:");
        entry.request.tls_certificate = (folder / reader.value<std::string>(tls["cert"], "cert")).string();
        entry.request.tls_key = (folder / reader.value<std::string>(tls["key"], "key")).string();
      }
      entry.request.acme = acme;
      reader.optional(app, "redirect", entry.request.redirect);
      reader.optional(app, "hsts", entry.request.hsts);
      if (app["health_cmd"]) {
        std::istringstream words(reader.value<std::string>(app["health_cmd"], "health_cmd"));
        for (std::string word; words >> word;) entry.request.health_command.push_back(word);
      }
      try {
        app::normalize(entry.request, app::kFileKeys);
      } catch (const UsageError& e) {
        reader.fail(app, e.what());
      }
      file.apps.push_back(std::move(entry));
    }
  }
  if (auto secrets = root["secrets"]) {
    if (!secrets.IsMap()) reader.fail(secrets, "secrets must be a mapping of NAME: {from_env: VAR} or {from_file: F}");
    for (const auto& item : secrets) {
      auto name = item.first.as<std::string>();
      const YAML::Node& source = item.second;
      reader.only(source, "a secret", {"from_env", "from_file"});
      if (source["from_env"].IsDefined() == source["from_file"].IsDefined())
        reader.fail(source, fmt::format("secret {} takes one of from_env and from_file", name));
      if (source["from_env"]) {
        auto variable = reader.value<std::string>(source["from_env"], "from_env");
        auto value = variables(variable);
        if (!value)
          reader.fail(source["from_env"],
                      fmt::format("secret {}: {} is not set (in the environment nor in .env)", name, variable));
        file.secrets[name] = *value;
      } else {
        auto path = folder / reader.value<std::string>(source["from_file"], "from_file");
        std::ifstream in(path, std::ios::binary);
        if (!in) reader.fail(source["from_file"], fmt::format("secret {}: cannot read {}", name, path.string()));
        file.secrets[name] = std::string(std::istreambuf_iterator<char>(in), {});
      }
    }
  }
  return file;
}

EnvironmentFile read_environment_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError(fmt::format("cannot read {}: give the environment's file with -f", path));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_environment_file(text.str(), path,
                                environment_variables(std::filesystem::path(path).parent_path() / ".env"));
}

}  // namespace rsm::up
