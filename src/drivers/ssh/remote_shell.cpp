// ssh with the remote command as one quoted string (ssh joins its arguments with spaces
// for the remote shell), and ssh's exit code 255 read as "ssh itself failed".
#include "drivers/ssh/remote_shell.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <sstream>

#include <fmt/format.h>

#include "engine/client.h"
#include "engine/ssh_dialer.h"
#include "util/error.h"
#include "util/line_splitter.h"

namespace rsm::drivers {

namespace {

constexpr int kSshFailed = 255;

bool says(const std::string& text, std::string_view what) { return text.find(what) != std::string::npos; }

}  // namespace

std::string shell_quote(std::string_view text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'')
      quoted += "'\\''";
    else
      quoted += c;
  }
  return quoted + "'";
}

std::string RemoteShell::where() const { return endpoint_.to_string().substr(std::string_view("ssh://").size()); }

ProcessResult RemoteShell::run(const std::string& remote_command) const {
  auto argv = engine::SshDialer::ssh_command(endpoint_);
  argv.push_back(remote_command);
  auto result = run_process(argv);
  if (result.exit_code != kSshFailed) return result;

  const std::string& out = result.output;
  std::string host = where();
  if (says(out, "REMOTE HOST IDENTIFICATION HAS CHANGED") || says(out, "Host key verification failed"))
    throw Error(fmt::format(
        "the host key of {} is not the one rsm pinned when it adopted the machine; if the machine was reinstalled, "
        "forget the old key with `ssh-keygen -f {} -R {}` and run again",
        host,
        [&] {
          for (const auto& option : endpoint_.ssh_options)
            if (option.starts_with("UserKnownHostsFile=")) return option.substr(19);
          return std::string("~/.ssh/known_hosts");
        }(),
        endpoint_.port && endpoint_.port != 22 ? fmt::format("'[{}]:{}'", endpoint_.host, endpoint_.port)
                                               : endpoint_.host));
  if (says(out, "Permission denied"))
    throw Error(
        fmt::format("cannot log in to {}: add your public key to the login's ~/.ssh/authorized_keys there, "
                    "or give the key with --ssh-key FILE ({})",
                    host, last_line(out)));
  if (says(out, "Could not resolve hostname"))
    throw Error(fmt::format("cannot resolve the host name of {}: check the spelling of --host", host));
  throw engine::UnreachableError(
      fmt::format("cannot reach {} over ssh: {}", host, last_line(out).empty() ? "ssh failed" : last_line(out)));
}

std::string RemoteShell::dialed_address() const {
  auto argv = engine::SshDialer::ssh_command(endpoint_);
  argv.insert(argv.begin() + 1, "-G");
  auto config = run_process(argv);
  if (config.exit_code != 0) return "";
  std::string hostname;
  std::istringstream lines(config.output);
  for (std::string key, value; lines >> key && std::getline(lines >> std::ws, value);) {
    if ((key == "proxyjump" || key == "proxycommand") && value != "none") return "";
    if (key == "hostname") hostname = value;
  }
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* found = nullptr;
  if (hostname.empty() || getaddrinfo(hostname.c_str(), nullptr, &hints, &found) != 0) return "";
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr, text, sizeof text);
  freeaddrinfo(found);
  return text;
}

ProcessResult RemoteShell::script(const std::string& text, bool as_root) const {
  std::string command = "sh -c " + shell_quote(text);
  return run(as_root && endpoint_.sudo ? "sudo -n " + command : command);
}

std::string RemoteShell::checked_script(const std::string& text, const std::string& what) const {
  auto result = script(text);
  if (result.exit_code != 0) throw Error(fmt::format("{} failed on {}: {}", what, where(), last_line(result.output)));
  return result.output;
}

ProcessResult RemoteShell::command(const std::vector<std::string>& argv) const {
  std::string line = endpoint_.sudo ? "sudo -n" : "";
  for (const auto& word : argv) line += (line.empty() ? "" : " ") + shell_quote(word);
  return run(line);
}

}  // namespace rsm::drivers
