// The node image's recipe (packages, entrypoint, files from images/node/) handed to the
// Debian image builder; RSM_NODE_IMAGE names one of the user's own instead.
#include "drivers/local/node_image.h"

#include <sstream>

#include "drivers/local/node_image_files.h"
#include "images/debian_image.h"

namespace rsm::drivers {

namespace {

images::DebianImageRecipe node_recipe() {
  images::DebianImageRecipe recipe{.what = "node image", .repository = "rsm-node"};
  std::istringstream lines{std::string(kNodePackages)};
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) recipe.packages.push_back(line);
  recipe.files.push_back({"/usr/local/bin/rsm-node-entrypoint", std::string(kNodeEntrypoint), 0755});
  recipe.entrypoint = {"/usr/bin/tini", "--", "/usr/local/bin/rsm-node-entrypoint"};
  recipe.override_variable = "RSM_NODE_IMAGE";
  return recipe;
}

}  // namespace

std::string node_image_reference() { return images::image_reference(node_recipe()); }

std::string ensure_node_image(engine::Client& host, Progress& progress) {
  return images::ensure_debian_image(host, node_recipe(), progress);
}

}  // namespace rsm::drivers
