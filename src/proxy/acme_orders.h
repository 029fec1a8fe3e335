// What rsm asks of rsm-acme, the one-replica service that gets the routes' certificates
// from an ACME server (Let's Encrypt unless the user names another) and renews them: the
// orders (each app with `tls: auto` and its host names) and the server, as a Docker config
// the service mounts. rsm writes it (acme_service.h); rsm-acme (src/acme/) reads it.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rsm::proxy {

inline constexpr const char* kAcmeService = "rsm-acme";
inline constexpr const char* kLetsEncrypt = "https://acme-v02.api.letsencrypt.org/directory";
// Where rsm-acme's ACME client answers HTTP-01 challenges; the edge proxy sends every
// node's /.well-known/acme-challenge/ requests there.
inline constexpr int kChallengePort = 8402;
inline constexpr const char* kChallengePath = "/.well-known/acme-challenge/";
inline constexpr const char* kOrdersFile = "/etc/rsm-acme/orders.json";
inline constexpr const char* kAcmeStateFolder = "/var/lib/rsm-acme";  // its account, its last results

struct AcmeOrder {
  std::string app;
  std::vector<std::string> hosts;
  bool operator==(const AcmeOrder&) const = default;
};

struct AcmeOrders {
  std::string env;
  std::string directory = kLetsEncrypt;
  std::string email;  // the account's contact; none is fine for Let's Encrypt
  std::string ca;     // PEM: the root of a private ACME server's HTTPS; none for a public one
  std::vector<AcmeOrder> orders;
};

inline nlohmann::json to_json(const AcmeOrders& orders) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& order : orders.orders) list.push_back({{"app", order.app}, {"hosts", order.hosts}});
  return {{"env", orders.env},
          {"directory", orders.directory},
          {"email", orders.email},
          {"ca", orders.ca},
          {"orders", list}};
}

inline AcmeOrders orders_from_json(const nlohmann::json& text) {
  AcmeOrders orders{.env = text.value("env", ""),
                    .directory = text.value("directory", kLetsEncrypt),
                    .email = text.value("email", ""),
                    .ca = text.value("ca", "")};
  for (const auto& order : text.value("orders", nlohmann::json::array()))
    orders.orders.push_back({order.value("app", ""), order.value("hosts", std::vector<std::string>{})});
  return orders;
}

// A certificate is renewed once a third of its life is left: 30 days of Let's Encrypt's 90.
inline std::time_t renewal_time(std::time_t not_before, std::time_t not_after) {
  return not_after - (not_after - not_before) / 3;
}

}  // namespace rsm::proxy
