// Prism as a validating proxy: see contract_proxy.h.
#include "support/contract_proxy.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "support/ports.h"
#include "util/poll.h"

namespace rsm::testing {

namespace {

std::string prism_program() { return std::string(RSM_SOURCE_DIR) + "/tests/contract/node_modules/.bin/prism"; }

}  // namespace

std::optional<std::string> ContractProxy::missing_reason() {
  if (std::filesystem::exists(prism_program())) return std::nullopt;
  return "no Prism at " + prism_program() + " (npm ci --prefix tests/contract installs it)";
}

ContractProxy::ContractProxy(const std::string& openapi_file, const std::string& upstream) : port_(free_port()) {
  log_file_ = fmt::format("/tmp/rsm-prism-{}-{}.log", getpid(), port_);
  int log = open(log_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log < 0) throw std::runtime_error("cannot write " + log_file_);
  prism_ = Subprocess::spawn({prism_program(), "proxy", openapi_file, upstream, "--errors", "--host", "127.0.0.1",
                              "--port", std::to_string(port_)},
                             -1, log, log);
  close(log);
  poll_until(
      std::chrono::seconds(120), std::chrono::milliseconds(250),
      [&] { return "Prism did not come up:\n" + this->log(); },
      [&] {
        if (prism_->try_wait()) throw std::runtime_error("Prism ended:\n" + this->log());
        return this->log().find("Prism is listening") != std::string::npos;
      });
}

ContractProxy::~ContractProxy() {
  if (prism_) prism_->terminate();
  std::filesystem::remove(log_file_);
}

std::string ContractProxy::url() const { return fmt::format("http://127.0.0.1:{}", port_); }

std::string ContractProxy::log() const {
  std::ifstream in(log_file_);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace rsm::testing
