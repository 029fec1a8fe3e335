// Files below the state folder, written to a temporary name and renamed into place.
#include "util/state_dir.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "util/error.h"

namespace rsm {

std::filesystem::path state_dir() {
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "rsm";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".local" / "state" / "rsm";
  return std::filesystem::temp_directory_path() / "rsm-state";
}

std::optional<std::string> read_state(const std::string& relative) {
  std::ifstream in(state_dir() / relative, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void write_state(const std::string& relative, const std::string& content) {
  auto target = state_dir() / relative;
  std::error_code ec;
  std::filesystem::create_directories(target.parent_path(), ec);
  auto temporary = target;
  temporary += fmt::format(".tmp.{}", getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) throw Error(fmt::format("cannot write {}: check that the folder is writable", temporary.string()));
  }
  std::filesystem::rename(temporary, target, ec);
  if (ec) throw Error(fmt::format("cannot replace {}: {}", target.string(), ec.message()));
}

}  // namespace rsm
