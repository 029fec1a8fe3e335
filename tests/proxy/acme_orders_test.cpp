// What rsm writes for rsm-acme and what rsm-acme reads back, and when it renews.
#include "proxy/acme_orders.h"

#include <gtest/gtest.h>

using namespace rsm::proxy;

TEST(AcmeOrders, RoundTripThroughTheConfigsJson) {
  AcmeOrders orders{.env = "prd",
                    .directory = "https://acme.example/dir",
                    .email = "ops@example.com",
                    .ca = "-----BEGIN CERTIFICATE-----\n",
                    .orders = {{"site", {"example.com", "www.example.com"}}, {"api", {"api.example.com"}}}};
  auto read = orders_from_json(nlohmann::json::parse(to_json(orders).dump()));
  EXPECT_EQ(read.env, "prd");
  EXPECT_EQ(read.directory, "https://acme.example/dir");
  EXPECT_EQ(read.email, "ops@example.com");
  EXPECT_EQ(read.ca, orders.ca);
  EXPECT_EQ(read.orders, orders.orders);
  EXPECT_EQ(orders_from_json(nlohmann::json::object()).directory, kLetsEncrypt) << "Let's Encrypt unless named";
}

TEST(AcmeOrders, RenewsWithAThirdOfTheLifeLeft) {
  constexpr std::time_t kDay = 24 * 3600;
  EXPECT_EQ(renewal_time(0, 90 * kDay), 60 * kDay) << "30 days before Let's Encrypt's 90 end";
  EXPECT_EQ(renewal_time(1000, 1090), 1060);
}
