// One GET of the health path on the loopback port with a two-second deadline; the exit
// code is the answer.
#include "healthcheck.h"

#include <chrono>
#include <cstdio>
#include <utility>  // Boost 1.74's asio uses std::exchange without including it

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace asio = boost::asio;
namespace http = boost::beast::http;

int check_health(int port, const std::string& path) {
  try {
    asio::io_context io;
    boost::beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(2));
    stream.connect(asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), static_cast<unsigned short>(port)));
    http::request<http::empty_body> request(http::verb::get, path, 11);
    request.set(http::field::host, "localhost");
    http::write(stream, request);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    if (response.result() == http::status::ok) return 0;
    std::fprintf(stderr, "rethinkswarmmode: %s answered %u\n", path.c_str(), response.result_int());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rethinkswarmmode: %s: %s\n", path.c_str(), e.what());
  }
  return 1;
}
