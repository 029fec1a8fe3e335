// A state folder of rsm's own for a test or a benchmark: XDG_STATE_HOME points at a fresh
// temporary folder while it lives (rsm keeps its records there: inventories, pinned host
// keys, login keys, restore markers), and the folder goes with everything in it when it
// goes, the variable as it was before. Records of one run never meet another's.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace rsm::testing {

class StateFolder {
 public:
  explicit StateFolder(const std::string& prefix)
      : path_(std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(getpid()))) {
    if (const char* value = std::getenv("XDG_STATE_HOME")) previous_ = value;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
    setenv("XDG_STATE_HOME", path_.c_str(), 1);
  }
  ~StateFolder() {
    if (previous_)
      setenv("XDG_STATE_HOME", previous_->c_str(), 1);
    else
      unsetenv("XDG_STATE_HOME");
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  StateFolder(const StateFolder&) = delete;
  StateFolder& operator=(const StateFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::optional<std::string> previous_;
};

}  // namespace rsm::testing
