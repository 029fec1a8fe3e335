// A recipe becomes an image by a Dockerfile build where the Debian base image can be had,
// else by debootstrap into a scratch folder and an import; either way the tag is the
// recipe's hash.
#include "images/debian_image.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

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

namespace fs = std::filesystem;
using engine::json;

namespace {

constexpr std::string_view kBaseImage = "debian:bookworm-slim";

constexpr std::string_view kKeptFolder = "/rsm-kept";

// Copies the programs and every shared library ldd says they load (the dynamic loader
// included) into kKeptFolder, keeping their paths. Run inside the Debian system, by the
// Dockerfile or in debootstrap's folder through chroot.
std::string keep_script(const DebianImageRecipe& recipe) {
  // ldd prints "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" and, for the
  // loader, "\t/lib64/ld-linux-x86-64.so.2 (0x...)".
  return fmt::format(R"(set -e; for program in {1}; do )"
                     R"(for file in $program $(ldd $program | awk '/=> \// {{print $3}} /^\t\// {{print $1}}'); do )"
                     R"(mkdir -p {0}$(dirname $file) && cp -L $file {0}$file; done; done)",
                     kKeptFolder, fmt::join(recipe.only_programs, " "));
}

std::string override_value(const DebianImageRecipe& recipe) {
  const char* value = recipe.override_variable.empty() ? nullptr : std::getenv(recipe.override_variable.c_str());
  return value ? value : "";
}

void build_from_dockerfile(engine::Client& engine, const DebianImageRecipe& recipe, const std::string& reference,
                           Progress& progress) {
  TarWriter context;
  context.add_file("Dockerfile", dockerfile(recipe));
  for (size_t i = 0; i < recipe.files.size(); ++i)
    context.add_file(fmt::format("files/{}", i), recipe.files[i].content, recipe.files[i].mode);
  engine::build_image(engine, reference, context.finish(), 0, [&](const json& message) {
    if (message.contains("stream") && message["stream"].is_string()) {
      std::string line = message["stream"];
      if (line.starts_with("Step ")) progress.step(recipe.what, line.substr(0, line.find('\n')));
    }
  });
}

// Unmounts anything debootstrap left mounted below root (it mounts /proc and /sys while
// installing, and a failure can leave them), so removing the folder cannot reach the host's.
void unmount_below(const fs::path& root) {
  std::ifstream mounts("/proc/self/mounts");
  std::vector<std::string> below;
  for (std::string device, mountpoint, rest; mounts >> device >> mountpoint && std::getline(mounts, rest);)
    if (mountpoint.starts_with(root.string() + "/")) below.push_back(mountpoint);
  std::sort(below.rbegin(), below.rend());
  for (const auto& mountpoint : below) umount2(mountpoint.c_str(), MNT_DETACH);
}

// A scratch folder on tmpfs when there is room (debootstrap writes many small files, which
// tmpfs takes without touching a disk), named
// after our pid. Folders of processes that died mid-build (killed, so no destructor ran)
// are swept first: a root filesystem is hundreds of megabytes of someone's memory.
fs::path scratch_folder() {
  struct statvfs shm {};
  fs::path parent = statvfs("/dev/shm", &shm) == 0 && shm.f_bavail * shm.f_frsize > (2ull << 30)
                        ? fs::path("/dev/shm")
                        : fs::temp_directory_path();
  constexpr std::string_view prefix = "rsm-rootfs-";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    pid_t owner = std::atoi(name.c_str() + prefix.size());
    if (owner > 0 && kill(owner, 0) != 0 && errno == ESRCH) {
      unmount_below(entry.path());
      fs::remove_all(entry.path(), ec);
    }
  }
  fs::path folder = parent / fmt::format("{}{}", prefix, getpid());
  fs::remove_all(folder, ec);
  if (!fs::create_directory(folder, ec))
    throw Error(fmt::format("cannot create {}: {}", folder.string(), ec.message()));
  return folder;
}

void import_rootfs(engine::Client& engine, const fs::path& rootfs, const DebianImageRecipe& recipe,
                   const std::string& reference) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw Error(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  auto tar = Subprocess::spawn({"tar", "--numeric-owner", "-C", rootfs.string(), "-c", "."}, -1, pipe_fds[1]);
  close(pipe_fds[1]);
  auto colon = reference.rfind(':');
  std::string changes = engine::url_encode("ENTRYPOINT " + json(recipe.entrypoint).dump());
  engine::JsonMessageStream messages(nullptr);
  try {
    engine.checked(engine::Method::Post,
                   fmt::format("/images/create?fromSrc=-&repo={}&tag={}&changes={}",
                               engine::url_encode(reference.substr(0, colon)),
                               engine::url_encode(reference.substr(colon + 1)), changes),
                   {.content_type = "application/x-tar",
                    .source = engine::fd_source(pipe_fds[0]),
                    .sink = [&](std::string_view chunk) { messages.feed(chunk); },
                    .timeout_seconds = 0});
    messages.finish();
  } catch (...) {
    close(pipe_fds[0]);
    throw;
  }
  close(pipe_fds[0]);
  if (int code = tar.wait(); code != 0)
    throw Error(fmt::format("tar of the {} root filesystem failed with exit code {}", recipe.what, code));
}

void build_with_debootstrap(engine::Client& engine, const DebianImageRecipe& recipe, const std::string& reference,
                            Progress& progress) {
  const char* mirror_env = std::getenv("RSM_DEBIAN_MIRROR");
  std::string mirror = mirror_env && *mirror_env ? mirror_env : "http://deb.debian.org/debian";
  fs::path rootfs = scratch_folder();
  struct Cleanup {
    fs::path path;
    ~Cleanup() {
      unmount_below(path);
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } cleanup{rootfs};

  progress.step(recipe.what, fmt::format("debootstrap bookworm from {} (about a minute)", mirror));
  auto result =
      run_process({"debootstrap", "--variant=minbase", fmt::format("--include={}", fmt::join(recipe.packages, ",")),
                   "bookworm", rootfs.string(), mirror});
  if (result.exit_code != 0) {
    std::string tail = result.output.substr(result.output.size() > 600 ? result.output.size() - 600 : 0);
    throw Error(
        fmt::format("debootstrap failed (exit {}), so the {} cannot be built; check that {} is "
                    "reachable or set RSM_DEBIAN_MIRROR. Its last words: {}",
                    result.exit_code, recipe.what, mirror, tail));
  }
  unmount_below(rootfs);
  // The downloaded packages are installed by now: tens of megabytes no one needs.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(rootfs / "var/cache/apt/archives", ec))
    if (entry.path().extension() == ".deb") fs::remove(entry.path(), ec);
  fs::path image_root = rootfs;
  if (!recipe.only_programs.empty()) {
    auto kept = run_process({"chroot", rootfs.string(), "/bin/sh", "-c", keep_script(recipe)});
    if (kept.exit_code != 0)
      throw Error(
          fmt::format("cannot keep {} of the {}: {}", fmt::join(recipe.only_programs, ", "), recipe.what, kept.output));
    image_root = rootfs / fs::path(kKeptFolder).relative_path();
  }
  for (const auto& file : recipe.files) {
    fs::path target = image_root / fs::path(file.path).relative_path();
    fs::create_directories(target.parent_path());
    std::ofstream(target, std::ios::binary | std::ios::trunc) << file.content;
    fs::permissions(target, static_cast<fs::perms>(file.mode));
  }
  progress.step(recipe.what, "importing the root filesystem into the engine");
  import_rootfs(engine, image_root, recipe, reference);
}

}  // namespace

std::string dockerfile(const DebianImageRecipe& recipe) {
  std::string text = fmt::format("FROM {}\n", kBaseImage);
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

  progress.step(recipe.what, fmt::format("building {} (once; later runs reuse it)", reference));
  // Without the base image (no registry) the image is made with debootstrap instead.
  bool have_base = engine::has_image(engine, std::string(kBaseImage));
  std::string why_no_pull;
  if (!have_base) {
    try {
      engine::pull_image(engine, std::string(kBaseImage));
      have_base = true;
    } catch (const Error& e) {
      why_no_pull = e.what();
    }
  }
  if (have_base) {
    build_from_dockerfile(engine, recipe, reference, progress);
  } else if (!program_exists("debootstrap")) {
    throw Error(
        fmt::format("cannot build the {}: {} cannot be pulled ({}) and debootstrap is not installed; "
                    "install it (apt-get install debootstrap) or load {} into the engine",
                    recipe.what, kBaseImage, why_no_pull, kBaseImage));
  } else if (geteuid() != 0) {
    throw Error(
        fmt::format("cannot build the {}: {} cannot be pulled ({}) and debootstrap needs root; "
                    "run this once as root",
                    recipe.what, kBaseImage, why_no_pull));
  } else {
    build_with_debootstrap(engine, recipe, reference, progress);
  }
  progress.step(recipe.what, fmt::format("{} is ready", reference));
  return reference;
}

}  // namespace rsm::images
