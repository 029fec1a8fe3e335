// rsm build: a project (a Dockerfile's folder, C++ CMake, Go) into an image, loaded into
// an environment's nodes or pushed to a registry.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "build/image_build.h"
#include "cli/commands.h"
#include "swarm/image_distribution.h"

namespace rsm::cli {

namespace {

struct Options {
  std::vector<std::string> arguments;  // [ENV] SRC IMAGE
  build::BuildRequest request;
  std::optional<std::string> env;
  std::string kind;
  bool push = false;
  bool json = false;
  bool quiet = false;
};

// ENV SRC IMAGE, or SRC IMAGE; `build SRC IMAGE ENV` was the order before ENV came first
// everywhere, and is taken when SRC's place holds a folder and the next one does not.
void take_arguments(Options& options) {
  auto& args = options.arguments;
  if (args.size() == 3) {
    namespace fs = std::filesystem;
    if (fs::is_directory(args[0]) && !fs::is_directory(args[1])) {
      warn_old_argument_order(fmt::format("rsm build {} {} {}", args[0], args[1], args[2]),
                              fmt::format("rsm build {} {} {}", args[2], args[0], args[1]));
      std::rotate(args.begin(), args.begin() + 2, args.end());
    }
    options.env = args[0];
    args.erase(args.begin());
  }
  options.request.project = args[0];
  options.request.image = args[1];
  if (!options.kind.empty()) options.request.kind = build::kind_named(options.kind);
}

}  // namespace

void add_build_commands(CLI::App& app, int&) {
  auto options = std::make_shared<Options>();
  auto* build =
      app.add_subcommand("build",
                         "rsm build [ENV] SRC IMAGE: a folder with a Dockerfile built by the engine, or a C++ "
                         "CMake project or Go package compiled into one static binary in a FROM scratch "
                         "image (builders made from Debian packages; cached per project)");
  build
      ->add_option("ARGS", options->arguments,
                   "[ENV] SRC IMAGE: the environment whose nodes get the image too (optional), the project's folder "
                   "(with a Dockerfile, a CMakeLists.txt, or Go sources), and the image to make, e.g. myapp:1")
      ->required()
      ->expected(2, 3)
      ->type_name("");
  std::vector<std::string> kinds;
  for (auto kind : build::kProjectKinds) kinds.emplace_back(build::kind_name(kind));
  build->add_option("--kind", options->kind, "Build SRC as this kind (default: the first SRC has, in this order)")
      ->check(CLI::IsMember(kinds));
  build->add_option("-t,--target", options->request.target,
                    "The CMake executable target, or the Go binary's name (default: SRC's name)");
  build->add_option("-p,--port", options->request.ports, "EXPOSE this port (repeatable)")->check(CLI::Range(1, 65535));
  build->add_option("-e,--env", options->request.variables, "ENV KEY=VALUE in the image (repeatable)");
  build->add_option("--package", options->request.packages,
                    "A Debian package the build needs beyond the usual (e.g. libpq-dev, or "
                    "golang-gopkg-rethinkdb-rethinkdb-go.v6-dev for Go; repeatable)");
  build
      ->add_option("--cmake-arg", options->request.cmake_arguments,
                   "An argument for cmake's configure step, as --cmake-arg=-DFOO=ON (repeatable)")
      ->allow_extra_args(false);
  build->add_flag("--fresh", options->request.fresh,
                  "Build from nothing: an empty build folder, or every step of a Dockerfile past the engine's cache");
  build->add_flag("--push", options->push, "Push the image to the registry its name starts with");
  build->add_flag("--json", options->json, "Print JSON for scripts (and no progress)");
  build->add_flag("-q,--quiet", options->quiet, "No progress output");
  build->callback([options] {
    take_arguments(*options);
    Progress progress(options->json || options->quiet);
    // A wrong environment is told before a build, not after.
    std::optional<swarm::Environment> env;
    if (options->env) env.emplace(*options->env, progress).reachable_manager();
    // Without an engine here, an environment's manager builds.
    engine::Client host(env ? swarm::engine_for_images(*env) : engine::Endpoint::from_environment());
    auto result = build::build_image(host, options->request, progress);
    std::vector<std::string> loaded;
    if (env) loaded = swarm::load_image(*env, result.image, progress).loaded;
    if (options->push) build::push_image(host, result.image, progress);
    if (options->json) {
      fmt::print("{}\n", nlohmann::json{{"image", result.image},
                                        {"kind", build::kind_name(result.kind)},
                                        {"target", result.target},
                                        {"binary_bytes", result.binary_bytes},
                                        {"unchanged", result.unchanged},
                                        {"loaded", loaded},
                                        {"pushed", options->push}}
                             .dump(2));
      return;
    }
    fmt::print("{}: {} ({} KB {}{}){}\n", result.image, result.unchanged ? "unchanged" : "built",
               result.binary_bytes / 1024,
               result.kind == build::ProjectKind::Dockerfile ? "image from the Dockerfile" : "static binary",
               options->env ? fmt::format(", loaded into {} node(s) of {}", loaded.size(), *options->env) : "",
               options->push ? ", pushed" : "");
  });
}

}  // namespace rsm::cli
