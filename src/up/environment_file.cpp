// rsm.yaml read with yaml-cpp by a reader that knows every key, so an unknown key or a
// wrong type is an error naming the file, line and key.
#include "up/environment_file.h"

#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

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

 private:
  std::string file_;
};

}  // namespace

EnvironmentFile parse_environment_file(const std::string& text, const std::string& file_name) {
  Reader reader(file_name);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw UsageError(fmt::format("{}:{}: {}", file_name, e.mark.line + 1, e.msg));
  }
  reader.only(root, "the file", {"env", "nodes", "db", "apps"});
  EnvironmentFile file;
  reader.optional(root, "env", file.env);

  file.nodes.managers = 1;
  if (auto nodes = root["nodes"]) {
    reader.only(nodes, "nodes", {"managers", "workers", "driver"});
    reader.optional(nodes, "managers", file.nodes.managers);
    reader.optional(nodes, "workers", file.nodes.workers);
    reader.optional(nodes, "driver", file.nodes.driver);
    if (file.nodes.managers < 1) reader.fail(nodes, "an environment needs at least one manager");
    if (file.nodes.workers < 0) reader.fail(nodes, "workers cannot be negative");
  }

  if (auto db = root["db"]) {
    db::CreateOptions options;
    if (!db.IsNull()) {
      reader.only(db, "db", {"image", "servers_per_node", "replicas", "wait"});
      reader.optional(db, "image", options.image);
      reader.optional(db, "servers_per_node", options.servers_per_node);
      reader.optional(db, "replicas", options.replicas);
      reader.optional(db, "wait", options.wait);
      if (options.servers_per_node < 1 || options.servers_per_node > 9)
        reader.fail(db["servers_per_node"], "servers_per_node takes 1 to 9");
      if (options.replicas < 0 || options.replicas > 9) reader.fail(db["replicas"], "replicas takes 1 to 9");
    }
    file.db = options;
  }

  if (auto apps = root["apps"]) {
    if (!apps.IsSequence()) reader.fail(apps, "apps must be a list");
    for (const auto& app : apps) {
      reader.only(app, "an app",
                  {"name", "image", "source", "target", "replicas", "ports", "env", "secrets", "health_cmd"});
      AppEntry entry;
      if (!app["name"] || !app["image"]) reader.fail(app, "every app needs a name and an image");
      entry.request.name = reader.value<std::string>(app["name"], "name");
      entry.request.image = reader.value<std::string>(app["image"], "image");
      if (app["replicas"]) {
        entry.replicas = reader.value<int>(app["replicas"], "replicas");
        entry.request.replicas = *entry.replicas;  // checked with the rest of the app below
      }
      if (app["source"])
        entry.source =
            std::filesystem::path(file_name).parent_path() / reader.value<std::string>(app["source"], "source");
      reader.optional(app, "target", entry.target);
      reader.optional(app, "ports", entry.request.ports);
      reader.optional(app, "secrets", entry.request.secrets);
      if (auto env = app["env"]) {
        if (!env.IsMap()) reader.fail(env, "env must be a mapping of names to values");
        for (const auto& item : env)
          entry.request.variables.push_back(item.first.as<std::string>() + "=" +
                                            reader.value<std::string>(item.second, "an env value"));
      }
      if (app["health_cmd"]) {
        std::istringstream words(reader.value<std::string>(app["health_cmd"], "health_cmd"));
        for (std::string word; words >> word;) entry.request.health_command.push_back(word);
      }
      try {
        app::validate(entry.request, app::kFileKeys);
      } catch (const UsageError& e) {
        reader.fail(app, e.what());
      }
      file.apps.push_back(std::move(entry));
    }
  }
  return file;
}

EnvironmentFile read_environment_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError(fmt::format("cannot read {}: give the environment's file with -f", path));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_environment_file(text.str(), path);
}

}  // namespace rsm::up
