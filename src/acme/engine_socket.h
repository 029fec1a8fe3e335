// The few Engine API calls rsm-acme makes, over the manager's own socket
// (/var/run/docker.sock, mounted into its task): HTTP/1.1 with Boost.Beast, one
// connection per call. rsm itself talks to engines with libcurl (engine/client.h), which
// does not link statically into a FROM scratch program.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace rsm::acme {

struct EngineAnswer {
  int status = 0;
  nlohmann::json body;  // null when the body is not JSON
};

// Sends the request (with a JSON body unless it is null) and reads the answer. Throws
// std::runtime_error when the socket does not answer.
EngineAnswer engine_call(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr);

// engine_call, throwing std::runtime_error with the engine's message unless it answered 2xx.
nlohmann::json engine_checked(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr);

// "?filters=..." for label filters, encoded for a URL.
std::string label_filter(const nlohmann::json& labels);

}  // namespace rsm::acme
