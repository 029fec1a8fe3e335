// The offsets live in the state folder as "ENV OFFSET" lines; a new environment takes the
// next offset, written atomically.
#include "tunnel/port_offsets.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "util/state_dir.h"

namespace rsm::tunnel {

namespace {

constexpr const char* kOffsetsFile = "tunnel-offsets";

}  // namespace

int local_port(const std::string& env, int remote_port) {
  std::map<std::string, int> offsets;
  std::istringstream lines(read_state(kOffsetsFile).value_or(""));
  std::string name;
  int offset = 0;
  while (lines >> name >> offset) offsets[name] = offset;
  if (!offsets.contains(env)) {
    int highest = 0;
    for (const auto& [other, used] : offsets) highest = std::max(highest, used);
    offsets[env] = highest + 1;
    std::string content;
    for (const auto& [other, used] : offsets) content += other + " " + std::to_string(used) + "\n";
    write_state(kOffsetsFile, content);
  }
  int port = remote_port + 100 * offsets[env];
  return port <= 65535 ? port : 0;
}

}  // namespace rsm::tunnel
