// Prism (npm's @stoplight/prism-cli, installed by `npm ci --prefix tests/contract`) as a
// validating proxy between rsm's DigitalOcean client and the stand-in: each request and
// each answer is checked against DigitalOcean's OpenAPI description, and one that does
// not conform is answered with Prism's own error (status 422 or 500, a problem+json body
// with the violations) instead of being passed on, so the client's call fails.
#pragma once

#include <optional>
#include <string>

#include "util/subprocess.h"

namespace rsm::testing {

class ContractProxy {
 public:
  // Starts Prism in front of `upstream` and waits (up to 2 min: it reads the whole
  // description first) until it listens. Throws when it does not come up.
  ContractProxy(const std::string& openapi_file, const std::string& upstream);
  ~ContractProxy();
  ContractProxy(const ContractProxy&) = delete;
  ContractProxy& operator=(const ContractProxy&) = delete;

  std::string url() const;
  // What Prism printed: each request, and each violation it found.
  std::string log() const;

  // Where Prism is, or nullopt with the reason (for GTEST_SKIP).
  static std::optional<std::string> missing_reason();

 private:
  int port_ = 0;
  std::string log_file_;
  std::optional<Subprocess> prism_;
};

}  // namespace rsm::testing
