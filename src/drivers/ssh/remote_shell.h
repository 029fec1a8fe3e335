// Commands on an ssh host, run the way the user's own ssh runs them (agent, ~/.ssh/config,
// a key file), with the host keys rsm pinned for the environment. ssh's failures
// (unreachable, refused login, a changed host key, no sudo) become one-line errors that
// say what the host needs; a host ssh cannot connect to is an engine::UnreachableError.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/endpoint.h"
#include "util/subprocess.h"

namespace rsm::drivers {

// The text as one word of a POSIX shell command line.
std::string shell_quote(std::string_view text);

class RemoteShell {
 public:
  // `endpoint` is an ssh endpoint whose ssh_options carry the pinned keys.
  explicit RemoteShell(engine::Endpoint endpoint) : endpoint_(std::move(endpoint)) {}

  // Runs a sh script on the host, as root (through `sudo -n` for another login) or as the
  // login user; returns its exit code and output. Throws Error when ssh itself fails.
  ProcessResult script(const std::string& text, bool as_root = true) const;
  // The same with a checked exit code: Error "<what> failed on HOST: <last output line>".
  std::string checked_script(const std::string& text, const std::string& what) const;
  // Runs argv as root and returns what it printed (stdout and stderr).
  ProcessResult command(const std::vector<std::string>& argv) const;

  // The IPv4 address ssh connects to (the HostName of the user's ssh config, resolved
  // here); empty when it goes through a jump host or a proxy command, or has no IPv4.
  std::string dialed_address() const;

  // "[user@]host[:port]" for messages.
  std::string where() const;
  const engine::Endpoint& endpoint() const { return endpoint_; }

 private:
  ProcessResult run(const std::string& remote_command) const;

  engine::Endpoint endpoint_;
};

}  // namespace rsm::drivers
