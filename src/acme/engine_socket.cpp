// HTTP over the engine's unix socket with Boost.Beast.
#include "acme/engine_socket.h"

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cctype>
#include <cstdio>
#include <stdexcept>

namespace rsm::acme {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using nlohmann::json;

namespace {

constexpr const char* kSocket = "/var/run/docker.sock";

std::string url_encoded(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", c);
      out += escaped;
    }
  }
  return out;
}

}  // namespace

EngineAnswer engine_call(const std::string& method, const std::string& path, const json& body) {
  asio::io_context io;
  asio::local::stream_protocol::socket socket(io);
  socket.connect(asio::local::stream_protocol::endpoint(kSocket));
  http::request<http::string_body> request(http::string_to_verb(method), path, 11);
  request.set(http::field::host, "docker");
  if (!body.is_null()) {
    request.set(http::field::content_type, "application/json");
    request.body() = body.dump();
  }
  request.prepare_payload();
  http::write(socket, request);
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);  // a list of services is bigger than Beast's default 8 MB at times
  http::read(socket, buffer, parser);
  const auto& response = parser.get();
  return {static_cast<int>(response.result_int()), json::parse(response.body(), nullptr, false)};
}

json engine_checked(const std::string& method, const std::string& path, const json& body) {
  auto answer = engine_call(method, path, body);
  if (answer.status < 200 || answer.status >= 300)
    throw std::runtime_error(method + " " + path + ": " +
                             (answer.body.is_object() ? answer.body.value("message", "") : std::string()) + " (" +
                             std::to_string(answer.status) + ")");
  return answer.body;
}

std::string label_filter(const json& labels) {
  json filter = json::array();
  for (const auto& [key, value] : labels.items()) filter.push_back(key + "=" + value.get<std::string>());
  return "?filters=" + url_encoded(json{{"label", filter}}.dump());
}

}  // namespace rsm::acme
