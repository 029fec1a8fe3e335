#include "support/rsm_runner.h"

namespace rsm::testing {

ProcessResult run_rsm(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv{"env"};
  for (const auto& [name, value] : env) {
    if (value.empty()) argv.insert(argv.end(), {"-u", name});
    else argv.push_back(name + "=" + value);
  }
  argv.push_back(RSM_BINARY);
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv);
}

}  // namespace rsm::testing
