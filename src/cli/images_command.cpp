// rsm images load: images onto every node without a registry.
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "swarm/image_distribution.h"

namespace rsm::cli {

void add_images_commands(CLI::App& app, int&) {
  struct Options {
    std::string env;
    std::string image;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  auto* images = app.add_subcommand("images", "Images on the nodes of an environment");
  images->require_subcommand(1);
  auto* load = images->add_subcommand(
      "load", "Copy an image into every node that lacks it, from this machine's engine or a node that has it");
  add_env_argument(load, options->env);
  load->add_option("IMAGE", options->image, "Image reference, e.g. myapp:1.2")->required();
  load->add_flag("--json", options->json, "Print JSON for scripts");
  load->callback([options] {
    EnvCommand command(options->env, options->json);
    auto result = swarm::load_image(command.env, options->image, command.progress);
    if (options->json) {
      fmt::print("{}\n", nlohmann::json{{"image", options->image},
                                        {"loaded", result.loaded},
                                        {"already", result.already},
                                        {"stopped", result.stopped}}
                             .dump(2));
      return;
    }
    fmt::print("{}: loaded into {} node(s), {} had it already{}\n", options->image, result.loaded.size(),
               result.already.size(), result.stopped.empty() ? "" : fmt::format(", {} stopped", result.stopped.size()));
  });
}

}  // namespace rsm::cli
