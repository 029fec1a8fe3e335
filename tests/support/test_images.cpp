#include "support/test_images.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "engine/image_transfer.h"
#include "images/debian_image.h"
#include "util/content_hash.h"
#include "util/progress.h"
#include "util/tar_writer.h"

namespace rsm::testing {

namespace {

std::string read_file(const std::string& path, const char* hint) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(fmt::format("the tests need {}: {}", path, hint));
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

// Builds `reference` from a context of busybox, the Dockerfile and the given files.
void build_busybox_image(engine::Client& engine, const std::string& reference, const std::string& dockerfile,
                         const std::vector<std::pair<std::string, std::string>>& files) {
  TarWriter context;
  context.add_file("Dockerfile", dockerfile);
  context.add_file("busybox", read_file("/bin/busybox", "apt-get install busybox-static"), 0755);
  for (const auto& [name, content] : files) context.add_file(name, content, 0755);
  engine::build_image(engine, reference, context.finish(), {.timeout_seconds = 300});
}

}  // namespace

void ensure_busybox_image(engine::Client& engine) {
  if (engine::has_image(engine, kBusyboxImage)) return;
  build_busybox_image(engine, kBusyboxImage, "FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT [\"/bin/busybox\"]\n",
                      {});
}

namespace {

// The fake RethinkDB image with `extra` files in /usr/bin too, as rsm-test/KIND:<hash>.
std::string ensure_fake_rethinkdb_image(engine::Client& engine, const std::string& kind,
                                        std::vector<std::pair<std::string, std::string>> extra) {
  std::string folder = std::string(RSM_SOURCE_DIR) + "/tests/support/fake_rethinkdb/";
  std::vector<std::pair<std::string, std::string>> files{
      {"rethinkdb", read_file(folder + "rethinkdb", "part of the repository")},
      {"getent", read_file(folder + "getent", "part of the repository")}};
  files.insert(files.end(), extra.begin(), extra.end());
  std::string names, everything;
  for (const auto& [name, content] : files) {
    names += " " + name;
    everything += name + '\0' + content + '\0';
  }
  std::string reference = fmt::format("rsm-test/{}:{}", kind, content_hash({everything}));
  if (engine::has_image(engine, reference)) return reference;
  build_busybox_image(engine, reference,
                      fmt::format("FROM scratch\n"
                                  "COPY busybox /bin/busybox\n"
                                  "RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n"
                                  "COPY{} /usr/bin/\n"
                                  "WORKDIR /data\n",
                                  names),
                      files);
  return reference;
}

}  // namespace

std::string ensure_fake_rethinkdb_image(engine::Client& engine) {
  return ensure_fake_rethinkdb_image(engine, "fake-rethinkdb", {});
}

std::string ensure_standin_rethinkdb_image(engine::Client& engine, const std::string& test_server) {
  return ensure_fake_rethinkdb_image(engine, "standin-rethinkdb",
                                     {{"reql_test_server", read_file(test_server, "cmake --build build")}});
}

std::string ensure_memory_rethinkdb_image(engine::Client& engine, const std::string& test_server) {
  return ensure_fake_rethinkdb_image(
      engine, "memory-rethinkdb",
      {{"reql_test_server", read_file(test_server, "cmake --build build")}, {"memory-database", "tables in memory\n"}});
}

std::string ensure_registry_image(engine::Client& engine) {
  images::DebianImageRecipe recipe{
      .what = "test registry image",
      .repository = "rsm-test/registry",
      .packages = {"docker-registry"},
      .files =
          {{"/etc/docker/registry/config.yml",
            "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /var/lib/registry\nhttp:\n  addr: :5000\n"}},
      .entrypoint = {"/usr/bin/docker-registry", "serve", "/etc/docker/registry/config.yml"},
      .only_programs = {"/usr/bin/docker-registry"}};
  Progress quiet(true);
  return images::ensure_debian_image(engine, recipe, quiet);
}

std::string ensure_web_image(engine::Client& engine, const std::string& version) {
  std::string folder = std::string(RSM_SOURCE_DIR) + "/tests/support/web/";
  std::string web = read_file(folder + "web", "part of the repository");
  std::string healthy = read_file(folder + "healthy", "part of the repository");
  std::string reference = fmt::format("rsm-test/web:{}-{}", version, content_hash({web, healthy}));
  if (engine::has_image(engine, reference)) return reference;
  build_busybox_image(engine, reference,
                      "FROM scratch\n"
                      "COPY busybox /bin/busybox\n"
                      "RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n"
                      "COPY web healthy /bin/\n"
                      "HEALTHCHECK --interval=1s --timeout=3s --retries=2 --start-period=2s CMD [\"/bin/healthy\"]\n"
                      "CMD [\"/bin/web\", \"" +
                          version + "\"]\n",
                      {{"web", web}, {"healthy", healthy}});
  return reference;
}

std::string unique_name(const std::string& prefix) { return fmt::format("{}-{}", prefix, getpid()); }

}  // namespace rsm::testing
