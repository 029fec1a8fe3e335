// The builder containers (made from Debian packages, removed however the build ends), the
// kept build folder per project, the compile with its progress lines, and the FROM scratch
// image around the binary it made; or the engine's build of a Dockerfile.
#include "build/image_build.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <optional>
#include <regex>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "build/builder_files.h"
#include "build/source_tree.h"
#include "engine/exec.h"
#include "engine/image_transfer.h"
#include "engine/json_message_stream.h"
#include "engine/url.h"
#include "images/debian_image.h"
#include "util/content_hash.h"
#include "util/error.h"
#include "util/line_splitter.h"
#include "util/tar_reader.h"
#include "util/tar_writer.h"

namespace rsm::build {

namespace fs = std::filesystem;
using engine::json;
using engine::Method;

namespace {

// What most C++ services need: the compiler and CMake, and the libraries the sample app
// (and rsm itself) build on. A project adds its own with --package.
const std::vector<std::string> kBuilderPackages = {
    "g++",           "cmake",      "ninja-build",    "pkg-config", "libssl-dev", "libboost-dev", "nlohmann-json3-dev",
    "rapidjson-dev", "libfmt-dev", "ca-certificates"};
// Go and the certificates a module download needs; Debian's Go libraries come with --package.
const std::vector<std::string> kGoBuilderPackages = {"golang-go", "ca-certificates"};
constexpr size_t kKeptLines = 40;

// How a compiled project is built: the builder's image, its script, and whether it may
// reach the network (a Go module without vendor/ fetches its dependencies).
struct Builder {
  images::DebianImageRecipe recipe;
  std::string_view script;
  bool network = false;
};

Builder builder_for(const SourceTree& tree, const std::vector<std::string>& extra_packages) {
  Builder builder;
  if (tree.kind == ProjectKind::Go) {
    builder.recipe = {.what = "Go builder image", .repository = "rsm-go-builder", .packages = kGoBuilderPackages};
    builder.script = kGoBuilderScript;
    builder.network = fs::exists(tree.folder() / "go.mod") && !fs::exists(tree.folder() / "vendor");
  } else {
    builder.recipe = {.what = "builder image", .repository = "rsm-builder", .packages = kBuilderPackages};
    builder.script = kBuilderScript;
  }
  for (const auto& package : extra_packages)
    if (std::find(builder.recipe.packages.begin(), builder.recipe.packages.end(), package) ==
        builder.recipe.packages.end())
      builder.recipe.packages.push_back(package);
  builder.recipe.entrypoint = {"/bin/sh"};
  return builder;
}

void validate(const BuildRequest& request, const std::string& target, ProjectKind kind) {
  if (!std::regex_match(request.image, std::regex(R"([a-z0-9]([a-z0-9._/:-]*[a-zA-Z0-9_.-])?)")))
    throw UsageError(
        fmt::format("invalid image name '{}': use e.g. myapp:1 or registry.example.com/myapp:1", request.image));
  if (kind == ProjectKind::Dockerfile) {
    if (!request.target.empty() || !request.packages.empty() || !request.cmake_arguments.empty() ||
        !request.ports.empty() || !request.variables.empty())
      throw UsageError(
          "--target, --package, --cmake-arg, -p and -e are for CMake and Go projects: a Dockerfile says it all "
          "itself (EXPOSE, ENV)");
    return;
  }
  if (kind == ProjectKind::Go && !request.cmake_arguments.empty())
    throw UsageError("--cmake-arg is for CMake projects: this one is Go");
  if (!std::regex_match(target, std::regex(R"([A-Za-z0-9_.+-]+)")))
    throw UsageError(fmt::format("invalid target '{}': give the CMake target with --target", target));
  for (int port : request.ports)
    if (port < 1 || port > 65535) throw UsageError(fmt::format("invalid port {}", port));
  for (const auto& line : request.variables)
    if (line.find('=') == std::string::npos || line.front() == '=')
      throw UsageError(fmt::format("-e takes KEY=VALUE, not '{}'", line));
  for (const auto& package : request.packages)
    if (!std::regex_match(package, std::regex(R"([a-z0-9][a-z0-9.+-]+)")))
      throw UsageError(fmt::format("invalid Debian package name '{}'", package));
}

// The builder container; removed (with whatever it made) however the build ends.
class BuilderContainer {
 public:
  BuilderContainer(engine::Client& engine, const json& spec) : engine_(engine) {
    id_ = engine_.post(fmt::format("/containers/create?name=rsm-build-{}", getpid()), spec)["Id"];
  }
  ~BuilderContainer() {
    ignore_failure("a builder left behind is removed by the next build (remove_orphaned_builders)",
                   [&] { engine_.remove_if_present(fmt::format("/containers/{}?force=1&v=1", id_)); });
  }
  BuilderContainer(const BuilderContainer&) = delete;
  BuilderContainer& operator=(const BuilderContainer&) = delete;
  const std::string& id() const { return id_; }

 private:
  engine::Client& engine_;
  std::string id_;
};

constexpr const char* kSourceLabel = "rsm.build.source";

std::string host_name() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

// Builders of rsm processes that are gone (interrupted with Ctrl-C, say) still compile:
// they carry their rsm's host and pid, so they can be told apart from running builds.
void remove_orphaned_builders(engine::Client& engine) {
  json builders =
      engine.get("/containers/json?all=1&filters=" +
                 engine::encode_filters({{"label", {"rsm.component=builder", "rsm.build.host=" + host_name()}}}));
  for (const auto& builder : builders) {
    std::string name = builder["Names"].empty() ? "" : builder["Names"][0].get<std::string>();
    pid_t owner = name.starts_with("/rsm-build-") ? std::atoi(name.c_str() + 11) : 0;
    if (owner > 0 && kill(owner, 0) != 0 && errno == ESRCH)
      engine.remove_if_present(fmt::format("/containers/{}?force=1&v=1", builder.value("Id", "")));
  }
}

std::string dockerfile(const BuildRequest& request, const std::string& target, const std::string& source) {
  std::string text = fmt::format("FROM scratch\nCOPY app /{}\nLABEL {}={}\n", target, kSourceLabel, source);
  for (int port : request.ports) text += fmt::format("EXPOSE {}/tcp\n", port);
  for (const auto& line : request.variables) {
    auto equals = line.find('=');
    text += fmt::format("ENV {}={}\n", line.substr(0, equals), json(line.substr(equals + 1)).dump());
  }
  text += fmt::format("ENTRYPOINT {}\n", json::array({"/" + target}).dump());
  return text;
}

}  // namespace

namespace {

std::string default_target(const std::filesystem::path& project) {
  auto folder = std::filesystem::absolute(project).lexically_normal();
  // "dir/" has an empty last part
  return folder.filename().empty() ? folder.parent_path().filename().string() : folder.filename().string();
}

// The image's inspection when it exists and was made from exactly this source hash.
std::optional<json> image_made_from(engine::Client& engine, const std::string& image, const std::string& source) {
  auto found = engine.find("/images/" + image + "/json");
  if (!found) return std::nullopt;
  json labels = (*found)["Config"].value("Labels", json::object());
  if (!labels.is_object() || labels.value(kSourceLabel, "") != source) return std::nullopt;
  return found;
}

// Whether the image was built from exactly this source hash already (and no fresh build
// is asked for); the result says so then.
bool built_already(engine::Client& engine, const BuildRequest& request, const std::string& source, BuildResult& result,
                   Progress& progress) {
  auto made = image_made_from(engine, request.image, source);
  if (!made || request.fresh) return false;
  progress.step(result.target, fmt::format("{} is built from these sources already", request.image));
  result.binary_bytes = made->value("Size", size_t{0});
  result.unchanged = true;
  return true;
}

// The volume that keeps the build folder: one per project, target, builder and configure
// arguments. Older ones of the same project and target (another builder, other
// arguments) are hundreds of megabytes that would never be used again: they go.
std::string build_volume(engine::Client& engine, const BuildRequest& request, const SourceTree& tree,
                         const std::string& target, const std::string& builder) {
  std::string volume = "rsm-build-" + content_hash({tree.root.string(), tree.project.string(), target, builder,
                                                    fmt::format("{}", fmt::join(request.cmake_arguments, "\n"))});
  if (request.fresh) engine.remove_if_present("/volumes/" + volume);
  json labels = {
      {"rsm.component", "build-cache"}, {"rsm.build.project", tree.folder().string()}, {"rsm.build.target", target}};
  json filters = {{"label", json::array()}};
  for (const auto& [key, value] : labels.items()) filters["label"].push_back(key + "=" + value.get<std::string>());
  json existing = engine.get("/volumes?filters=" + engine::encode_filters(filters));
  for (const auto& old : existing.value("Volumes", json::array()))
    if (old.value("Name", "") != volume)
      ignore_failure("an old build folder in use by a build still running goes with the next build",
                     [&] { engine.remove_if_present("/volumes/" + old.value("Name", "")); });
  engine.post("/volumes/create", {{"Name", volume}, {"Labels", labels}});
  return volume;
}

// Runs the builder over the sources and returns the static binary it made. Ninja's
// "[3/12] Building CXX object ..." lines and the Go packages being compiled show
// progress; when the build fails, its last lines are printed and the error says what to try.
std::string compile(engine::Client& engine, const BuildRequest& request, const SourceTree& tree,
                    const std::string& target, const Builder& builder, const std::string& builder_image,
                    const std::string& volume, Progress& progress) {
  remove_orphaned_builders(engine);
  progress.step(target,
                fmt::format("compiling {} ({} files) in {}", tree.folder().string(), tree.files.size(), builder_image));
  BuilderContainer container(engine,
                             {{"Image", builder_image},
                              // The script is given here, not baked into the image: changing it rebuilds nothing.
                              {"Entrypoint", {"/bin/sh", "-c", std::string(builder.script), "rsm-build"}},
                              {"Cmd", request.cmake_arguments},
                              {"Env", {"RSM_PROJECT=" + tree.project.string(), "RSM_TARGET=" + target}},
                              {"Labels", {{"rsm.component", "builder"}, {"rsm.build.host", host_name()}}},
                              {"HostConfig",
                               {{"NetworkMode", builder.network ? "default" : "none"},
                                {"Mounts", {{{"Type", "volume"}, {"Source", volume}, {"Target", "/build"}}}}}}});
  engine.checked(
      Method::Put, fmt::format("/containers/{}/archive?path=/", container.id()),
      {.raw_body = source_archive(tree, "src/"), .content_type = "application/x-tar", .timeout_seconds = 300});
  engine.checked(Method::Post, fmt::format("/containers/{}/start", container.id()), {});

  std::deque<std::string> last_lines;
  LineSplitter lines([&](std::string_view line) {
    bool ninja_step = line.starts_with("[") && line.find('/') != std::string_view::npos;
    if (ninja_step || (tree.kind == ProjectKind::Go && !line.empty())) progress.step(target, std::string(line));
    last_lines.emplace_back(line);
    if (last_lines.size() > kKeptLines) last_lines.pop_front();
  });
  engine::StreamDemuxer demuxer([&](engine::StreamKind, std::string_view text) { lines.feed(text); });
  engine.checked(Method::Get, fmt::format("/containers/{}/logs?follow=1&stdout=1&stderr=1", container.id()),
                 {.sink = [&](std::string_view chunk) { demuxer.feed(chunk); }, .timeout_seconds = 0});
  lines.finish();
  int exit_code = engine.post(fmt::format("/containers/{}/wait", container.id()))["StatusCode"];
  if (exit_code != 0) {
    bool unknown_target = false;
    for (const auto& line : last_lines) {
      std::fprintf(stderr, "  %s\n", line.c_str());
      unknown_target = unknown_target || line.find("unknown target") != std::string::npos;
    }
    throw Error(fmt::format("the build of {} failed (exit {}): see the builder's last lines above; {}", target,
                            exit_code,
                            unknown_target                 ? "name the project's executable target with --target"
                            : tree.kind == ProjectKind::Go ? "a missing library may need --package golang-NAME-dev, "
                                                             "vendor/ or a go.mod"
                                                           : "a missing library may need --package NAME-dev"));
  }
  auto out = engine.checked(Method::Get, fmt::format("/containers/{}/archive?path=/out/app", container.id()), {});
  auto files = read_tar(out.body);
  if (!files.contains("app")) throw Error(fmt::format("the builder left no binary of {} behind", target));
  return std::move(files["app"]);
}

}  // namespace

namespace {

// The engine builds the folder's Dockerfile, the folder as the context; the source hash
// goes into a label of the image.
BuildResult build_dockerfile(engine::Client& engine, const BuildRequest& request, const SourceTree& tree,
                             const std::string& name, Progress& progress) {
  SourceTree context = project_only(tree);
  std::string source = content_hash({kind_name(tree.kind), source_hash(context)});
  BuildResult result{.image = request.image, .target = name, .kind = tree.kind};
  if (built_already(engine, request, source, result, progress)) return result;
  progress.step(name, fmt::format("building {} from {}/Dockerfile ({} files)", request.image, tree.folder().string(),
                                  context.files.size()));
  std::deque<std::string> last_lines;
  LineSplitter lines([&](std::string_view line) {
    if (line.empty()) return;
    if (line.starts_with("Step ")) progress.step(name, std::string(line));
    last_lines.emplace_back(line);
    if (last_lines.size() > kKeptLines) last_lines.pop_front();
  });
  try {
    // --fresh builds every step again, as it compiles CMake and Go projects from nothing.
    engine::build_image(engine, request.image, source_archive(context, ""),
                        {.on_message =
                             [&](const json& message) {
                               if (message.contains("stream") && message["stream"].is_string())
                                 lines.feed(message["stream"].get<std::string>());
                             },
                         .labels = {{kSourceLabel, source}},
                         .no_cache = request.fresh});
  } catch (const Error& e) {
    lines.finish();
    for (const auto& line : last_lines) std::fprintf(stderr, "  %s\n", line.c_str());
    // A step that ran and failed, or an image FROM names that could not be had.
    bool step_failed = std::string_view(e.what()).find("returned a non-zero code") != std::string_view::npos;
    throw Error(fmt::format("the build of {} failed: {}; {}", request.image, e.what(),
                            step_failed ? "see the build's last lines above"
                                        : "an image FROM names must be on this machine's engine or in a registry "
                                          "it reaches"));
  }
  result.binary_bytes = engine.get("/images/" + request.image + "/json").value("Size", size_t{0});
  return result;
}

}  // namespace

BuildResult build_image(engine::Client& engine, const BuildRequest& request, Progress& progress) {
  std::string target = request.target.empty() ? default_target(request.project) : request.target;
  SourceTree tree = find_source_tree(request.project, request.kind);
  validate(request, target, tree.kind);
  if (tree.kind == ProjectKind::Dockerfile) return build_dockerfile(engine, request, tree, target, progress);
  Builder builder = builder_for(tree, request.packages);
  std::string builder_image = images::ensure_debian_image(engine, builder.recipe, progress);
  // Everything the image is made of: the same again means the same image.
  std::string source = content_hash({source_hash(tree), tree.project.string(), target, builder_image, builder.script,
                                     fmt::format("{}|{}|{}", fmt::join(request.cmake_arguments, "\n"),
                                                 fmt::join(request.ports, ","), fmt::join(request.variables, "\n"))});
  BuildResult result{.image = request.image, .target = target, .kind = tree.kind};
  if (built_already(engine, request, source, result, progress)) return result;

  std::string volume = build_volume(engine, request, tree, target, builder_image);
  std::string binary = compile(engine, request, tree, target, builder, builder_image, volume, progress);
  progress.step(target, fmt::format("making {} FROM scratch ({} KB binary)", request.image, binary.size() / 1024));
  TarWriter context;
  context.add_file("Dockerfile", dockerfile(request, target, source));
  context.add_file("app", binary, 0755);
  engine::build_image(engine, request.image, context.finish(), {.timeout_seconds = 300});
  result.binary_bytes = binary.size();
  return result;
}

void push_image(engine::Client& engine, const std::string& image, Progress& progress) {
  const char* auth = std::getenv("RSM_REGISTRY_AUTH");
  auto slash = image.rfind('/');
  auto colon = image.rfind(':');
  bool tagged = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  std::string name = tagged ? image.substr(0, colon) : image;
  std::string tag = tagged ? image.substr(colon + 1) : "latest";
  progress.step(image, "pushing");
  engine::JsonMessageStream messages(nullptr);
  try {
    engine.checked(Method::Post, fmt::format("/images/{}/push?tag={}", name, engine::url_encode(tag)),
                   {.sink = [&](std::string_view chunk) { messages.feed(chunk); },
                    .timeout_seconds = 0,
                    // The engine wants the header even when the registry needs no login.
                    .headers = {fmt::format("X-Registry-Auth: {}", auth && *auth ? auth : "e30=")}});
    messages.finish();
  } catch (const Error& e) {
    throw Error(
        fmt::format("cannot push {}: {}; check the registry's name and, when it needs a login, "
                    "RSM_REGISTRY_AUTH",
                    image, e.what()));
  }
}

}  // namespace rsm::build
