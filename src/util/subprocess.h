// Starting other programs (ssh, mmdebstrap, tar) without a shell, so arguments are
// never re-parsed and nothing the user typed can be injected.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace rsm {

// A running child process. Destroying it while the child still runs kills the child:
// no process outlives the object that started it.
class Subprocess {
 public:
  // Starts argv[0] (searched in PATH) with the given descriptors as its stdin, stdout and
  // stderr (-1 keeps ours). Throws Error when the program cannot be started.
  static Subprocess spawn(const std::vector<std::string>& argv, int stdin_fd = -1, int stdout_fd = -1,
                          int stderr_fd = -1);

  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  ~Subprocess();

  // Waits for the child; returns its exit code, or 128 + signal when it was killed.
  int wait();
  // The exit code (as wait() gives it) once the child has ended, reaping it; never blocks.
  std::optional<int> try_wait();
  void terminate();
  pid_t pid() const { return pid_; }

 private:
  explicit Subprocess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
};

struct ProcessResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr, interleaved as the child wrote them
};

// Runs a program to completion, with /dev/null as its input, and captures what it printed.
ProcessResult run_process(const std::vector<std::string>& argv);

// True when a program of that name is found in PATH.
bool program_exists(const std::string& name);

}  // namespace rsm
