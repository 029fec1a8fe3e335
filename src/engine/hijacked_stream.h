// A connection to the engine that a call's answer turned into a raw byte stream both ways
// (the engine's "hijacked" attach and exec streams): what the process in the container
// reads arrives by write(), what it prints comes back by read_available(). The stream ends
// when the process ends. It runs on a libcurl handle of its own that only connects, so
// that the same transports reach it as every other call (unix socket, TLS, ssh dialer).
#pragma once

#include <string>
#include <string_view>

namespace rsm::engine {

class HijackedStream {
 public:
  // Sends `request` (a whole HTTP request) on `curl_handle` (a connected CURL* that only
  // connects; the stream owns it) and reads the answer's head. EngineError unless the
  // engine switched protocols (101) or answered 200 with the stream; `where` names the
  // engine in errors. half_close: whether close_write() may end the write side alone.
  HijackedStream(void* curl_handle, std::string_view request, std::string where, bool half_close);
  ~HijackedStream();
  HijackedStream(const HijackedStream&) = delete;
  HijackedStream& operator=(const HijackedStream&) = delete;

  // The socket, to wait on with poll() for the stream becoming readable.
  int fd() const { return fd_; }
  // Appends what has arrived, without waiting; false once the stream has ended.
  bool read_available(std::string& out);
  // Sends all of `bytes`, waiting for the socket as needed.
  void write(std::string_view bytes);
  // Tells the process its input ended (EOF on its stdin), where the transport allows.
  void close_write();

 private:
  // Sends the request and reads the answer's head.
  void open(std::string_view request);
  // Waits until the socket is ready for `events` (POLLIN, POLLOUT) or `seconds` pass.
  void wait_for(short events, int seconds);

  void* curl_;
  int fd_ = -1;
  std::string where_;
  bool half_close_;
  std::string pending_;  // stream bytes that came with the answer's head
};

}  // namespace rsm::engine
