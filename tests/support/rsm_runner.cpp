#include "support/rsm_runner.h"

#include <signal.h>

#include <chrono>
#include <thread>

namespace rsm::testing {

ProcessResult run_rsm(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv{"env"};
  for (const auto& [name, value] : env) {
    if (value.empty())
      argv.insert(argv.end(), {"-u", name});
    else
      argv.push_back(name + "=" + value);
  }
  argv.push_back(RSM_BINARY);
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv);
}

std::string fetch_local(int port, const std::string& path) {
  return run_process({"curl", "-s", "--max-time", "5", "http://127.0.0.1:" + std::to_string(port) + path}).output;
}

ServedPage fetch_through_rsm(const std::vector<std::string>& args, int port, const std::string& expected,
                             const std::string& path) {
  std::vector<std::string> argv{RSM_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  auto command = Subprocess::spawn(argv);
  ServedPage served;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (served.page.find(expected) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    served.page = fetch_local(port, path);
    if (served.page.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  kill(command.pid(), SIGTERM);
  served.exit_code = command.wait();
  return served;
}

}  // namespace rsm::testing
