#include "util/terminal.h"

#include <sys/ioctl.h>
#include <unistd.h>

namespace rsm {

std::optional<TerminalSize> terminal_size(int fd) {
  winsize size{};
  if (!isatty(fd) || ioctl(fd, TIOCGWINSZ, &size) != 0) return std::nullopt;
  return TerminalSize{size.ws_row, size.ws_col};
}

RawTerminal::RawTerminal(int fd) : fd_(fd) {
  if (tcgetattr(fd_, &saved_) != 0) return;
  termios raw = saved_;
  cfmakeraw(&raw);
  changed_ = tcsetattr(fd_, TCSANOW, &raw) == 0;
}

RawTerminal::~RawTerminal() {
  if (changed_) tcsetattr(fd_, TCSANOW, &saved_);
}

}  // namespace rsm
