#include "drivers/local/node_image.h"

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
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "drivers/local/node_image_files.h"
#include "engine/image_transfer.h"
#include "util/content_hash.h"
#include "util/error.h"
#include "util/subprocess.h"
#include "util/tar_writer.h"

namespace rsm::drivers {

namespace fs = std::filesystem;
using engine::json;

namespace {

constexpr std::string_view kBaseImage = "debian:bookworm-slim";
constexpr std::string_view kEntrypointPath = "/usr/local/bin/rsm-node-entrypoint";

std::vector<std::string> packages() {
  std::vector<std::string> names;
  std::istringstream lines{std::string(kNodePackages)};
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) names.push_back(line);
  return names;
}

void build_from_dockerfile(engine::Client& host, const std::string& reference, Progress& progress) {
  TarWriter context;
  context.add_file("Dockerfile", std::string(kNodeDockerfile));
  context.add_file("entrypoint.sh", std::string(kNodeEntrypoint), 0755);
  context.add_file("packages.txt", std::string(kNodePackages));
  engine::build_image(host, reference, context.finish(), 0, [&](const json& message) {
    if (message.contains("stream") && message["stream"].is_string()) {
      std::string line = message["stream"];
      if (line.starts_with("Step ")) progress.step("node image", line.substr(0, line.find('\n')));
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

// A scratch folder on tmpfs when there is room (debootstrap is 2-3x faster there), named
// after our pid. Folders of processes that died mid-build (killed, so no destructor ran)
// are swept first: a root filesystem is hundreds of megabytes of someone's memory.
fs::path scratch_folder() {
  struct statvfs shm{};
  fs::path parent = statvfs("/dev/shm", &shm) == 0 && shm.f_bavail * shm.f_frsize > (2ull << 30)
                        ? fs::path("/dev/shm")
                        : fs::temp_directory_path();
  constexpr std::string_view prefix = "rsm-node-rootfs-";
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

void import_rootfs(engine::Client& host, const fs::path& rootfs, const std::string& reference) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw Error(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  auto tar = Subprocess::spawn({"tar", "--numeric-owner", "-C", rootfs.string(), "-c", "."}, -1, pipe_fds[1]);
  close(pipe_fds[1]);
  auto colon = reference.rfind(':');
  std::string changes = engine::url_encode(fmt::format(R"(ENTRYPOINT ["/usr/bin/tini", "--", "{}"])", kEntrypointPath));
  engine::JsonMessageStream messages(nullptr);
  try {
    host.checked(engine::Method::Post,
                 fmt::format("/images/create?fromSrc=-&repo={}&tag={}&changes={}", engine::url_encode(reference.substr(0, colon)),
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
  if (int code = tar.wait(); code != 0) throw Error(fmt::format("tar of the node rootfs failed with exit code {}", code));
}

void build_with_debootstrap(engine::Client& host, const std::string& reference, Progress& progress) {
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

  std::string include;
  for (const auto& name : packages()) include += (include.empty() ? "" : ",") + name;
  progress.step("node image", fmt::format("debootstrap bookworm from {} (about a minute)", mirror));
  auto result = run_process({"debootstrap", "--variant=minbase", "--include=" + include, "bookworm",
                             rootfs.string(), mirror});
  if (result.exit_code != 0) {
    std::string tail = result.output.substr(result.output.size() > 600 ? result.output.size() - 600 : 0);
    throw Error(fmt::format("debootstrap failed (exit {}), so the node image cannot be built; check that {} is "
                            "reachable or set RSM_DEBIAN_MIRROR. Its last words: {}",
                            result.exit_code, mirror, tail));
  }
  fs::path entrypoint = rootfs / fs::path(kEntrypointPath).relative_path();
  {
    std::ofstream out(entrypoint, std::ios::binary | std::ios::trunc);
    out << kNodeEntrypoint;
  }
  fs::permissions(entrypoint, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  unmount_below(rootfs);
  progress.step("node image", "importing the root filesystem into the engine");
  import_rootfs(host, rootfs, reference);
}

}  // namespace

std::string node_image_reference() {
  if (const char* image = std::getenv("RSM_NODE_IMAGE"); image && *image) return image;
  return "rsm-node:" + content_hash({kNodeDockerfile, kNodeEntrypoint, kNodePackages});
}

std::string ensure_node_image(engine::Client& host, Progress& progress) {
  std::string reference = node_image_reference();
  if (engine::has_image(host, reference)) return reference;
  if (std::getenv("RSM_NODE_IMAGE") && *std::getenv("RSM_NODE_IMAGE"))
    throw Error(fmt::format("RSM_NODE_IMAGE names {}, which the engine does not have: load it or unset RSM_NODE_IMAGE",
                            reference));

  progress.step("node image", fmt::format("building {} (once; later runs reuse it)", reference));
  std::string why_no_pull;
  if (engine::has_image(host, std::string(kBaseImage)) || engine::pull_image(host, std::string(kBaseImage), why_no_pull)) {
    build_from_dockerfile(host, reference, progress);
  } else if (!program_exists("debootstrap")) {
    throw Error(fmt::format("cannot build the node image: {} cannot be pulled ({}) and debootstrap is not installed; "
                            "install it (apt-get install debootstrap) or load {} into the engine",
                            kBaseImage, why_no_pull, kBaseImage));
  } else if (geteuid() != 0) {
    throw Error(fmt::format("cannot build the node image: {} cannot be pulled ({}) and debootstrap needs root; "
                            "run this once as root", kBaseImage, why_no_pull));
  } else {
    build_with_debootstrap(host, reference, progress);
  }
  progress.step("node image", fmt::format("{} is ready", reference));
  return reference;
}

}  // namespace rsm::drivers
