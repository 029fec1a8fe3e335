// A recipe becomes an image by a Dockerfile build FROM a Debian base: debian:bookworm-slim
// where the engine has it or can pull it, else one written once by mmdebstrap straight
// into the engine's import. Either way the tag is the recipe's hash.
#include "images/debian_image.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engine/image_transfer.h"
#include "engine/json_message_stream.h"
#include "engine/url.h"
#include "util/content_hash.h"
#include "util/error.h"
#include "util/subprocess.h"
#include "util/tar_writer.h"

namespace rsm::images {

using engine::json;

namespace {

constexpr std::string_view kBaseImage = "debian:bookworm-slim";

constexpr std::string_view kKeptFolder = "/rsm-kept";

// Copies the programs and every shared library ldd says they load (the dynamic loader
// included) into kKeptFolder, keeping their paths; the Dockerfile's first stage runs it.
std::string keep_script(const DebianImageRecipe& recipe) {
  // ldd prints "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" and, for the
  // loader, "\t/lib64/ld-linux-x86-64.so.2 (0x...)"; for a file that is no program, nothing.
  std::vector<std::string> kept = recipe.only_programs;
  kept.insert(kept.end(), recipe.also_keep.begin(), recipe.also_keep.end());
  return fmt::format(R"(set -e; for program in {1}; do )"
                     R"(for file in $program $(ldd $program | awk '/=> \// {{print $3}} /^\t\// {{print $1}}'); do )"
                     R"(mkdir -p {0}$(dirname $file) && cp -L $file {0}$file; done; done)",
                     kKeptFolder, fmt::join(kept, " "));
}

std::string override_value(const DebianImageRecipe& recipe) {
  const char* value = recipe.override_variable.empty() ? nullptr : std::getenv(recipe.override_variable.c_str());
  return value ? value : "";
}

std::string mirror() {
  const char* value = std::getenv("RSM_DEBIAN_MIRROR");
  return value && *value ? value : "http://deb.debian.org/debian";
}

// mmdebstrap writes the root filesystem as a tar on its stdout, which is the import's body:
// no folder of ours, nothing mounted, nothing to clean up.
void import_from_mmdebstrap(engine::Client& engine, const std::string& reference) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw Error(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  int error_fds[2];
  if (pipe2(error_fds, O_CLOEXEC) != 0) throw Error(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  auto writer = Subprocess::spawn({"mmdebstrap", "--variant=minbase", "--quiet", "bookworm", "-", mirror()}, -1,
                                  pipe_fds[1], error_fds[1]);
  close(pipe_fds[1]);
  close(error_fds[1]);
  auto colon = reference.rfind(':');
  engine::JsonMessageStream messages(nullptr);
  std::string failure;
  try {
    engine.checked(
        engine::Method::Post,
        fmt::format("/images/create?fromSrc=-&repo={}&tag={}", engine::url_encode(reference.substr(0, colon)),
                    engine::url_encode(reference.substr(colon + 1))),
        {.content_type = "application/x-tar",
         .source = engine::fd_source(pipe_fds[0]),
         .sink = [&](std::string_view chunk) { messages.feed(chunk); },
         .timeout_seconds = 0});
    messages.finish();
  } catch (const Error& e) {
    failure = e.what();
  }
  close(pipe_fds[0]);
  std::string said;
  char buffer[4096];
  for (ssize_t n; (n = read(error_fds[0], buffer, sizeof buffer)) > 0;) said.append(buffer, static_cast<size_t>(n));
  close(error_fds[0]);
  int code = writer.wait();
  if (code == 0 && failure.empty()) return;
  engine.request(engine::Method::Delete, "/images/" + reference + "?force=1");  // a half-written base is no base
  std::string tail = said.substr(said.size() > 600 ? said.size() - 600 : 0);
  throw Error(
      fmt::format("mmdebstrap failed (exit {}{}), so rsm's images cannot be built; check that {} is reachable or "
                  "set RSM_DEBIAN_MIRROR. Its last words: {}",
                  code, failure.empty() ? "" : ", " + failure, mirror(), tail));
}

// The base every recipe is built FROM. Threads that build several images at once make it
// once: the first makes it, the others wait and find it (or its failure, told once).
std::string ensure_base_image(engine::Client& engine, const DebianImageRecipe& recipe, Progress& progress) {
  static std::mutex making;
  static std::string failure;
  std::lock_guard lock(making);
  if (!failure.empty()) throw Error(failure);
  if (engine::has_image(engine, std::string(kBaseImage))) return std::string(kBaseImage);
  std::string own = "rsm-debian:" + content_hash({"mmdebstrap --variant=minbase bookworm", mirror()});
  if (engine::has_image(engine, own)) return own;
  std::string why_no_pull;
  try {
    engine::pull_image(engine, std::string(kBaseImage));
    return std::string(kBaseImage);
  } catch (const Error& e) {
    why_no_pull = e.what();
  }
  if (!program_exists("mmdebstrap"))
    throw Error(
        fmt::format("cannot build the {}: {} cannot be pulled ({}) and mmdebstrap is not installed; "
                    "install it (apt-get install mmdebstrap) or load {} into the engine",
                    recipe.what, kBaseImage, why_no_pull, kBaseImage));
  if (geteuid() != 0)
    throw Error(
        fmt::format("cannot build the {}: {} cannot be pulled ({}) and mmdebstrap needs root here; "
                    "run this once as root",
                    recipe.what, kBaseImage, why_no_pull));
  progress.step("debian", fmt::format("writing a Debian base with mmdebstrap from {} (once; about 20 s)", mirror()));
  try {
    import_from_mmdebstrap(engine, own);
  } catch (const Error& e) {
    failure = e.what();
    throw;
  }
  progress.step("debian", fmt::format("{} is ready", own));
  return own;
}

void build_from_dockerfile(engine::Client& engine, const DebianImageRecipe& recipe, const std::string& base,
                           const std::string& reference, Progress& progress) {
  TarWriter context;
  context.add_file("Dockerfile", dockerfile(recipe, base));
  for (size_t i = 0; i < recipe.files.size(); ++i)
    context.add_file(fmt::format("files/{}", i), recipe.files[i].content, recipe.files[i].mode);
  engine::build_image(engine, reference, context.finish(), {.on_message = [&](const json& message) {
                        if (message.contains("stream") && message["stream"].is_string()) {
                          std::string line = message["stream"];
                          if (line.starts_with("Step ")) progress.step(recipe.what, line.substr(0, line.find('\n')));
                        }
                      }});
}

}  // namespace

std::string dockerfile(const DebianImageRecipe& recipe, std::string_view base) {
  std::string text = fmt::format("FROM {}\n", base.empty() ? kBaseImage : base);
  text += fmt::format(
      "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends {} "
      "&& rm -rf /var/lib/apt/lists/*\n",
      fmt::join(recipe.packages, " "));
  if (!recipe.only_programs.empty())
    text += fmt::format("RUN {}\nFROM scratch\nCOPY --from=0 {} /\n", keep_script(recipe), kKeptFolder);
  for (size_t i = 0; i < recipe.files.size(); ++i) text += fmt::format("COPY files/{} {}\n", i, recipe.files[i].path);
  text += fmt::format("ENTRYPOINT {}\n", json(recipe.entrypoint).dump());
  return text;
}

std::string image_reference(const DebianImageRecipe& recipe) {
  if (auto value = override_value(recipe); !value.empty()) return value;
  std::string files;
  for (const auto& file : recipe.files) files += fmt::format("{}\n{:o}\n{}\n", file.path, file.mode, file.content);
  return recipe.repository + ":" + content_hash({dockerfile(recipe), files});
}

std::string ensure_debian_image(engine::Client& engine, const DebianImageRecipe& recipe, Progress& progress) {
  std::string reference = image_reference(recipe);
  if (engine::has_image(engine, reference)) return reference;
  if (!override_value(recipe).empty())
    throw Error(fmt::format("{} names {}, which the engine does not have: load it or unset {}",
                            recipe.override_variable, reference, recipe.override_variable));

  std::string base = ensure_base_image(engine, recipe, progress);
  progress.step(recipe.what, fmt::format("building {} FROM {} (once; later runs reuse it)", reference, base));
  build_from_dockerfile(engine, recipe, base, reference, progress);
  progress.step(recipe.what, fmt::format("{} is ready", reference));
  return reference;
}

}  // namespace rsm::images
