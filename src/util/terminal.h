// The user's terminal, for commands that hand it to a process elsewhere (rsm app exec):
// raw mode while they run, so that every key (Ctrl-C too) reaches that process, and the
// terminal's size, which the process is told when it changes.
#pragma once

#include <termios.h>

#include <optional>

namespace rsm {

struct TerminalSize {
  int rows = 0;
  int columns = 0;
};

// The size of the terminal at fd; nullopt when fd is no terminal.
std::optional<TerminalSize> terminal_size(int fd);

// Puts the terminal at fd in raw mode for its lifetime and restores it after, whatever
// ends the scope.
class RawTerminal {
 public:
  explicit RawTerminal(int fd);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool changed_ = false;
};

}  // namespace rsm
