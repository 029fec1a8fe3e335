// The seed serves one `docker save` on its mesh address, on a port of its own for this
// copy, and the target loads what it reads from there: the bytes go through WireGuard
// from machine to machine and never through this one. The port answers only on rsm0
// (the firewall drops nothing there, and nothing outside the mesh reaches the address),
// and only until the one connection ends or the time limit passes.
#include "swarm/mesh_copy.h"

#include <random>

#include <fmt/format.h>

#include "util/error.h"
#include "util/line_splitter.h"

namespace rsm::swarm {

namespace {

constexpr int kTransferSeconds = 900;

// Run as root on the seed: serves one copy in the background, detached from the session.
constexpr const char* kServe = R"sh(
set -eu
setsid -f timeout "$RSM_SECONDS" sh -c \
  'docker save "$RSM_IMAGE" | socat -u STDIN "TCP-LISTEN:$RSM_PORT,bind=$RSM_BIND,reuseaddr"' \
  </dev/null >/dev/null 2>&1
)sh";

// Run as root on the target: reads the copy (the seed's listener may take a moment) and
// loads it. docker load fails on an empty or cut stream.
constexpr const char* kLoad = R"sh(
set -eu
socat -u "TCP:$RSM_BIND:$RSM_PORT,retry=100,interval=0.1" STDOUT | docker load -q
)sh";

// Run as root on the seed after a failed copy: the listener goes at once.
constexpr const char* kStop = R"sh(
pkill -f "TCP-LISTEN:$RSM_PORT,bind=$RSM_BIND" || true
)sh";

int transfer_port() {
  thread_local std::mt19937 random{std::random_device{}()};
  return std::uniform_int_distribution<int>(40000, 49999)(random);
}

}  // namespace

void copy_over_mesh(Environment& env, const drivers::Node& seed, const drivers::Node& target,
                    const std::string& image) {
  // Image references have no quotes; one that had would end the shell word early.
  if (image.find('\'') != std::string::npos) throw UsageError(fmt::format("invalid image name {}", image));
  std::string variables = fmt::format("export RSM_IMAGE='{}' RSM_BIND={} RSM_PORT={} RSM_SECONDS={}\n", image,
                                      seed.address, transfer_port(), kTransferSeconds);
  env.run_script(seed, variables + kServe, fmt::format("serve {} to {}", image, target.name));
  std::string output;
  if (env.run_on(target, {"sh", "-c", variables + kLoad}, output) == 0) return;
  ignore_failure("the listener ends by itself at its time limit",
                 [&] { env.run_script(seed, variables + kStop, "stop serving the image"); });
  throw Error(
      fmt::format("{} could not load {} from {} over the mesh: {}", target.name, image, seed.name, last_line(output)));
}

}  // namespace rsm::swarm
