// Finds who has the image (this machine, else a node, else a pull here, else a pull on a
// node), then gets it into the running nodes that lack it, all at once: machines that are
// not this machine's containers pull it from its registry themselves when it came from
// one (a cloud node's download is faster than a stream through ssh), and everything else
// is copied from the source engine.
#include "swarm/image_distribution.h"

#include <mutex>

#include <fmt/format.h>

#include "engine/image_transfer.h"
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
  bool pullable = false;
  std::vector<Node> lacking;
  {
    engine::Client host(source);
    result.id = engine::image_id(host, image);
    if (!result.id.empty()) pullable = from_registry(host, image);
    std::vector<std::string> node_ids;
    for (const auto& node : running) {
      engine::Client client(node.engine);
      node_ids.push_back(engine::image_id(client, image));
      if (result.id.empty() && !node_ids.back().empty()) {
        source = node.engine;
        source_name = node.name;
        result.id = node_ids.back();
        pullable = from_registry(client, image);
      }
    }
    if (result.id.empty()) {
      // Nobody has it: a registry may, reached from here or from a node. Where none is
      // reachable this fails within a second, so it goes without a progress line (an
      // error must stay one line).
      try {
        engine::pull_image(host, image);
        result.id = engine::image_id(host, image);
      } catch (const Error& e) {
        for (size_t i = 0; i < running.size() && result.id.empty(); ++i) {
          engine::Client client(running[i].engine);
          try {
            engine::pull_image(client, image);
          } catch (const Error&) {
            continue;
          }
          source = running[i].engine;
          source_name = running[i].name;
          result.id = node_ids[i] = engine::image_id(client, image);
          result.loaded.push_back(running[i].name);
        }
        if (result.id.empty())
          throw Error(
              fmt::format("no engine has image {}: neither this machine's ({}) nor any node of {}, and it "
                          "cannot be pulled ({}); build or load it here first (docker build -t {} ., or "
                          "docker load -i FILE)",
                          image, source.to_string(), env.name(), e.what(), image));
      }
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

  std::mutex mutex;
  for_each_parallel(lacking, [&](const Node& node) {
    bool pulled = false;
    if (pullable && !node.on_this_machine()) {
      progress.step(node.name, fmt::format("pulling {}", image));
      pulled = pulled_same(node, image, result.id);
    }
    if (!pulled) {
      progress.step(node.name, fmt::format("loading {} from {}", image, source_name));
      engine::Client from(source);
      engine::Client to(node.engine);
      engine::copy_image(from, to, image);
    }
    std::lock_guard lock(mutex);
    result.loaded.push_back(node.name);
  });
  for (const auto& name : result.stopped)
    progress.warn(fmt::format("{} is stopped and did not get {}: start it (rsm nodes start {}) and load again", name,
                              image, env.name()));
  return result;
}

}  // namespace rsm::swarm
