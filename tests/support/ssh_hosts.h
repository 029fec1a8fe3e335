// Machines for the ssh driver's tests, made on this machine's engine: containers booted
// by systemd with sshd and Debian's docker.io (an image made from Debian packages, like
// rsm's own), on bridge networks that stand for regions, joined by a router container.
// rsm reaches every host directly (this machine is each bridge's gateway); the hosts
// reach each other only through the router, as machines in different networks do.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "engine/client.h"
#include "util/subprocess.h"

namespace rsm::testing {

// What a host boots with besides the lab's own: as cloud-init sets up a cloud machine.
struct SshHostSetup {
  std::vector<std::string> authorized_keys;  // public keys root, admin and plain accept too
  std::string host_key;                      // an ed25519 private key to be its host key; empty: its own
};

struct SshTestHost {
  std::string container;  // its name on this machine's engine
  std::string address;    // on its region's network
  std::string region;
  std::string reached_at;  // where ssh reaches it, HOST[:PORT]: its address, or its NAT router's forwarded port
};

class SshHostLab {
 public:
  // Makes `regions` networks and the router; names start with `prefix`.
  SshHostLab(const std::string& prefix, int regions);
  ~SshHostLab();  // removes every host, the router and the networks
  SshHostLab(const SshHostLab&) = delete;
  SshHostLab& operator=(const SshHostLab&) = delete;

  // Adds a region behind NAT and returns its index: a network whose router masquerades its
  // hosts' traffic out through region 0 and forwards one TCP port of its address there to
  // each host's sshd (as a home or office router does), and nothing else: no machine
  // outside can reach its hosts first.
  int add_nat_region();
  // Starts a host in the region (0-based) and returns once its sshd and (with_engine)
  // its engine answer. Hosts without an engine are for the install test.
  // Safe to call from several threads at once (a cloud stand-in's machines boot together).
  SshTestHost add_host(int region, bool with_engine = true, const SshHostSetup& setup = {});
  // Removes a host and its volume at once (a deleted cloud machine).
  void remove_host(const SshTestHost& host);
  // Starts a registry (Debian's docker-registry, plain HTTP) in the region at .200 and
  // returns "ADDRESS:5000"; the hosts' engines take it as an insecure registry.
  std::string add_registry(int region);
  // Lets the containers of a network of this machine (a local environment's, SUBNET/24)
  // reach the regions the way machines behind NAT reach the internet: out through this
  // machine's masquerade with answers back in, while nothing in a region can call them.
  // Docker isolates its bridges from each other otherwise. Undone by the destructor.
  void let_out_through_nat(const std::string& subnet);
  // Delays every packet the host sends by `ms` (tc netem on its interface; 0 takes the
  // delay off). Returns why not where the kernel has no netem, empty on success.
  std::string delay(const SshTestHost& host, int ms);
  // The host's engine, reached over ssh as root with the lab's key.
  engine::Endpoint engine_of(const SshTestHost& host) const;
  // Runs a command on the host's system (docker exec), returning exit code and output.
  ProcessResult exec(const SshTestHost& host, const std::vector<std::string>& argv);

  // The private key the hosts accept for root, admin and plain.
  const std::string& key_file() const { return key_file_; }
  // "root@ADDRESS"
  static std::string login(const SshTestHost& host, const std::string& user = "root") {
    return user + "@" + host.reached_at;
  }

 private:
  std::string prefix_;
  engine::Client engine_;
  std::string image_;
  std::string folder_;
  std::string key_file_;
  std::string public_key_;
  std::vector<std::string> networks_;
  std::vector<std::string> subnets_;  // "10.215.N" per region
  std::vector<bool> behind_nat_;      // per region
  void add_network(int region);
  std::mutex mutex_;  // guards engine_ and the lists below: hosts are added from several threads
  std::vector<std::string> containers_;
  std::vector<std::string> volumes_;
  int hosts_made_ = 0;
  std::vector<std::vector<std::string>> forward_rules_;  // iptables rule specs in DOCKER-USER
};

// The image of the hosts: "rsm-test/ssh-host:<hash>".
std::string ensure_ssh_host_image(engine::Client& engine);

}  // namespace rsm::testing
