// TCP ports on 127.0.0.1 for tests.
#pragma once

namespace rsm::testing {

// A port that nothing listens on right now.
int free_port();

// A port that takes connections (the kernel's backlog does) but never says a word: a
// server that hangs. Closed with the object.
class MuteListener {
 public:
  MuteListener();
  ~MuteListener();
  MuteListener(const MuteListener&) = delete;
  MuteListener& operator=(const MuteListener&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace rsm::testing
