// A port on this machine's loopback interface whose connections are carried to a unix
// socket: how rsm reaches a port inside a swarm network through the relay on a node
// (rsm db status, rsm db admin). Runs on its own thread until destroyed.
#pragma once

#include <memory>
#include <string>
#include <thread>

namespace rsm::tunnel {

class Forwarder {
 public:
  // Listens on 127.0.0.1:port (0: any free port). Throws Error when the port is taken.
  Forwarder(int port, std::string unix_socket);
  ~Forwarder();
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  int port() const { return port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace rsm::tunnel
