// Copies bytes both ways between two connected stream sockets (TCP or unix, any mix)
// until either side closes; then both are closed. Used by rsm's local tunnels and by
// rsm-relay, the program that reaches a swarm network from a node.
#pragma once

#include <array>
#include <memory>
#include <utility>  // Boost 1.74's asio uses std::exchange without including it

#include <boost/asio.hpp>

namespace rsm::tunnel {

namespace detail {

template <class From, class To>
void pump(std::shared_ptr<From> from, std::shared_ptr<To> to) {
  auto buffer = std::make_shared<std::array<char, 16384>>();
  from->async_read_some(boost::asio::buffer(*buffer), [from, to, buffer](boost::system::error_code error, size_t n) {
    if (error) {
      // Pass the end on: the other side's reads stop too, and its socket closes.
      boost::system::error_code ignored;
      to->shutdown(To::shutdown_send, ignored);
      from->close(ignored);
      return;
    }
    boost::asio::async_write(*to, boost::asio::buffer(buffer->data(), n),
                             [from, to, buffer](boost::system::error_code write_error, size_t) {
                               if (write_error) {
                                 boost::system::error_code ignored;
                                 from->close(ignored);
                                 to->close(ignored);
                                 return;
                               }
                               pump(from, to);
                             });
  });
}

}  // namespace detail

template <class A, class B>
void splice(std::shared_ptr<A> a, std::shared_ptr<B> b) {
  detail::pump(a, b);
  detail::pump(b, a);
}

}  // namespace rsm::tunnel
