// FROM scratch images of rsm's own programs: see program_image.h.
#include "images/program_image.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "engine/image_transfer.h"
#include "util/content_hash.h"
#include "util/error.h"
#include "util/tar_writer.h"

namespace rsm::images {

namespace fs = std::filesystem;

std::string read_program(const std::string& program, const char* variable) {
  const char* configured = std::getenv(variable);
  fs::path path =
      configured && *configured ? fs::path(configured) : fs::read_symlink("/proc/self/exe").parent_path() / program;
  std::ifstream file(path, std::ios::binary);
  if (!file)
    throw Error(
        fmt::format("{} is missing: rsm needs its program {} next to it (or named by {}); build or install both",
                    path.string(), program, variable));
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

std::string ensure_program_image(engine::Client& node_engine, const std::string& program, const char* variable) {
  std::string binary = read_program(program, variable);
  std::string reference = program + ":" + content_hash({binary});
  if (engine::has_image(node_engine, reference)) return reference;
  TarWriter context;
  context.add_file("Dockerfile", fmt::format("FROM scratch\nCOPY {0} /{0}\nENTRYPOINT [\"/{0}\"]\n", program));
  context.add_file(program, binary, 0755);
  engine::build_image(node_engine, reference, context.finish(), {.timeout_seconds = 120});
  return reference;
}

}  // namespace rsm::images
