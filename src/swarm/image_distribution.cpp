// Finds who has the image (this machine, else a node, else a pull here, else a pull on a
// node), then gets it into the running nodes that lack it, all at once: machines that are
// not this machine's containers pull it from its registry themselves when it came from
// one (a cloud node's download is faster than a stream through ssh); everything else is
// copied, to local nodes from the source engine, to machines elsewhere once across the
// user's link and then from machine to machine inside the mesh (swarm/mesh_copy.h).
#include "swarm/image_distribution.h"

#include <algorithm>
#include <mutex>
#include <optional>

#include <fmt/format.h>

#include "engine/image_transfer.h"
#include "swarm/mesh_copy.h"
#include "util/error.h"
#include "util/parallel.h"

namespace rsm::swarm {

using drivers::Node;

namespace {

// Whether the engine's image came from a registry (it has a digest there), so that a node
// may pull the same one.
bool from_registry(engine::Client& engine, const std::string& image) {
  auto found = engine.find("/images/" + image + "/json");
  return found && !found->value("RepoDigests", engine::json::array()).empty();
}

// Pulls on the node; true when it now has the image with that ID.
bool pulled_same(const Node& node, const std::string& image, const std::string& id) {
  engine::Client client(node.engine);
  try {
    engine::pull_image(client, image);
  } catch (const Error&) {
    return false;
  }
  return engine::image_id(client, image) == id;
}

}  // namespace

std::string find_image_id(Environment& env, const std::string& image) {
  engine::Client host(engine::Endpoint::from_environment());
  if (host.ping())
    if (auto id = engine::image_id(host, image); !id.empty()) return id;
  for (const auto& node : env.existing_nodes()) {
    if (!node.running()) continue;
    engine::Client client(node.engine);
    if (auto id = engine::image_id(client, image); !id.empty()) return id;
  }
  return "";
}

ImageLoadResult load_image(Environment& env, const std::string& image, Progress& progress) {
  auto nodes = env.existing_nodes();
  ImageLoadResult result;
  std::vector<Node> running;
  for (const auto& node : nodes) {
    if (node.running())
      running.push_back(node);
    else
      result.stopped.push_back(node.name);
  }

  // Where to copy from: this machine's engine, else the first node that has it.
  engine::Endpoint source = engine::Endpoint::from_environment();
  std::string source_name = "this machine";
  std::optional<Node> source_node;
  bool pullable = false;
  std::vector<Node> lacking;
  {
    engine::Client host(source);
    bool here = host.ping();  // a machine without Docker drives machines elsewhere
    if (here) result.id = engine::image_id(host, image);
    if (!result.id.empty()) pullable = from_registry(host, image);
    std::vector<std::string> node_ids;
    for (const auto& node : running) {
      engine::Client client(node.engine);
      node_ids.push_back(engine::image_id(client, image));
      if (result.id.empty() && !node_ids.back().empty()) {
        source = node.engine;
        source_name = node.name;
        source_node = node;
        result.id = node_ids.back();
        pullable = from_registry(client, image);
      }
    }
    if (result.id.empty()) {
      // Nobody has it: a registry may, reached from here or from a node. Where none is
      // reachable this fails within a second, so it goes without a progress line (an
      // error must stay one line).
      std::string failure = fmt::format("this machine has no engine at {}", source.to_string());
      try {
        if (here) {
          engine::pull_image(host, image);
          result.id = engine::image_id(host, image);
        }
      } catch (const Error& e) {
        failure = e.what();
      }
      for (size_t i = 0; i < running.size() && result.id.empty(); ++i) {
        engine::Client client(running[i].engine);
        try {
          engine::pull_image(client, image);
        } catch (const Error&) {
          continue;
        }
        source = running[i].engine;
        source_name = running[i].name;
        source_node = running[i];
        result.id = node_ids[i] = engine::image_id(client, image);
        result.loaded.push_back(running[i].name);
      }
      if (result.id.empty())
        throw Error(
            fmt::format("no engine has image {}: neither this machine's nor any node of {}, and it cannot be "
                        "pulled ({}); build or load it here first (docker build -t {} ., or docker load -i FILE)",
                        image, env.name(), failure, image));
      pullable = true;
    }
    for (size_t i = 0; i < running.size(); ++i) {
      if (node_ids[i] == result.id) {
        if (source_name != running[i].name) result.already.push_back(running[i].name);
      } else {
        lacking.push_back(running[i]);
      }
    }
  }

  // Machines elsewhere pull what came from a registry; the rest is copied.
  std::mutex mutex;
  std::vector<Node> copies;
  for_each_parallel(lacking, [&](const Node& node) {
    bool pulled = false;
    if (pullable && !node.on_this_machine()) {
      progress.step(node.name, fmt::format("pulling {}", image));
      pulled = pulled_same(node, image, result.id);
    }
    std::lock_guard lock(mutex);
    if (pulled)
      result.loaded.push_back(node.name);
    else
      copies.push_back(node);
  });

  // Local nodes copy from the source. Machines elsewhere take it from one of them that has
  // it, over the mesh: the source when it is one, else the first of them, which gets it
  // from the source first (so it crosses the user's link once).
  auto first_elsewhere =
      std::stable_partition(copies.begin(), copies.end(), [](const Node& node) { return node.on_this_machine(); });
  std::vector<Node> elsewhere(first_elsewhere, copies.end());
  copies.erase(first_elsewhere, copies.end());
  std::optional<Node> seed;
  if (source_node && !source_node->on_this_machine()) seed = source_node;
  auto copy_from_source = [&](const Node& node) {
    progress.step(node.name, fmt::format("loading {} from {}", image, source_name));
    engine::Client from(source);
    engine::Client to(node.engine);
    engine::copy_image(from, to, image);
  };
  if (!seed && elsewhere.size() > 1) {
    copy_from_source(elsewhere.front());
    result.loaded.push_back(elsewhere.front().name);
    seed = elsewhere.front();
    elsewhere.erase(elsewhere.begin());
  }
  copies.insert(copies.end(), elsewhere.begin(), elsewhere.end());
  for_each_parallel(copies, [&](const Node& node) {
    if (seed && !node.on_this_machine()) {
      progress.step(node.name, fmt::format("loading {} from {} over the mesh", image, seed->name));
      copy_over_mesh(env, *seed, node, image);
    } else {
      copy_from_source(node);
    }
    std::lock_guard lock(mutex);
    result.loaded.push_back(node.name);
  });
  for (const auto& name : result.stopped)
    progress.warn(fmt::format("{} is stopped and did not get {}: start it (rsm nodes start {}) and load again", name,
                              image, env.name()));
  return result;
}

engine::Endpoint engine_for_images(Environment& env) {
  engine::Endpoint here = engine::Endpoint::from_environment();
  if (engine::Client(here).ping()) return here;
  return env.reachable_manager().engine;
}

}  // namespace rsm::swarm
