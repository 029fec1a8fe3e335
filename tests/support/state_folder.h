// A state folder of rsm's own for a test or a benchmark: XDG_STATE_HOME points at a fresh
// temporary folder (temp_folder.h) while it lives (rsm keeps its records there: inventories, pinned host
// keys, login keys, restore markers), and the folder goes with everything in it when it
// goes, the variable as it was before. Records of one run never meet another's.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "temp_folder.h"

namespace rsm::testing {

class StateFolder {
 public:
  explicit StateFolder(const std::string& prefix) : folder_(prefix) {
    if (const char* value = std::getenv("XDG_STATE_HOME")) previous_ = value;
    setenv("XDG_STATE_HOME", folder_.path().c_str(), 1);
  }
  ~StateFolder() {
    if (previous_)
      setenv("XDG_STATE_HOME", previous_->c_str(), 1);
    else
      unsetenv("XDG_STATE_HOME");
  }
  StateFolder(const StateFolder&) = delete;
  StateFolder& operator=(const StateFolder&) = delete;

  const std::filesystem::path& path() const { return folder_.path(); }

 private:
  TempFolder folder_;
  std::optional<std::string> previous_;
};

}  // namespace rsm::testing
