// Finds who has the image (this machine, else a node, else a pull), then copies it into
// the running nodes that lack it, all at once.
#include "swarm/image_distribution.h"

#include <mutex>

#include <fmt/format.h>

#include "engine/image_transfer.h"
#include "util/error.h"
#include "util/parallel.h"

namespace rsm::swarm {

using drivers::Node;

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
  std::vector<Node> lacking;
  {
    engine::Client host(source);
    result.id = engine::image_id(host, image);
    std::vector<std::string> node_ids;
    for (const auto& node : running) {
      engine::Client client(node.engine);
      node_ids.push_back(engine::image_id(client, image));
      if (result.id.empty() && !node_ids.back().empty()) {
        source = node.engine;
        source_name = node.name;
        result.id = node_ids.back();
      }
    }
    if (result.id.empty()) {
      // Nobody has it: a registry may. Where none is reachable this fails within a second,
      // so it goes without a progress line (an error must stay one line).
      try {
        engine::pull_image(host, image);
      } catch (const Error& e) {
        throw Error(
            fmt::format("no engine has image {}: neither this machine's ({}) nor any node of {}, and it "
                        "cannot be pulled ({}); build or load it here first (docker build -t {} ., or "
                        "docker load -i FILE)",
                        image, source.to_string(), env.name(), e.what(), image));
      }
      result.id = engine::image_id(host, image);
    }
    for (size_t i = 0; i < running.size(); ++i) {
      if (node_ids[i] == result.id)
        result.already.push_back(running[i].name);
      else
        lacking.push_back(running[i]);
    }
  }

  std::mutex mutex;
  for_each_parallel(lacking, [&](const Node& node) {
    progress.step(node.name, fmt::format("loading {} from {}", image, source_name));
    engine::Client from(source);
    engine::Client to(node.engine);
    engine::copy_image(from, to, image);
    std::lock_guard lock(mutex);
    result.loaded.push_back(node.name);
  });
  for (const auto& name : result.stopped)
    progress.warn(fmt::format("{} is stopped and did not get {}: start it (rsm nodes start {}) and load again", name,
                              image, env.name()));
  return result;
}

}  // namespace rsm::swarm
