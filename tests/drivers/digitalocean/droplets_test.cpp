// An environment's droplets against the API stand-in: created once with rsm's tags, found
// again after an answer was lost, waited for until active with a public address, deleted
// until the tag lists none.
#include "drivers/digitalocean/droplets.h"

#include <gtest/gtest.h>

#include "support/digitalocean_standin.h"

using namespace rsm;
using namespace rsm::drivers::digitalocean;
using rsm::testing::DigitalOceanStandin;

namespace {

DropletRequest manager(const std::string& name) {
  return {.name = name,
          .role = drivers::Role::Manager,
          .region = "fra1",
          .size = "s-1vcpu-2gb",
          .image = "debian-12-x64",
          .user_data = "#cloud-config\n"};
}

ApiOptions quick() { return {.first_pause = std::chrono::milliseconds(10)}; }

}  // namespace

TEST(Droplets, CreatedOnceWithRsmsTags) {
  DigitalOceanStandin standin;
  Api api("rsm-test-token", standin.url(), quick());
  Droplet made = ensure_droplet(api, "t", manager("t-manager-1"));
  EXPECT_EQ(made.tags, (std::vector<std::string>{"rsm", "rsm-env-t", "rsm-role-manager"}));
  EXPECT_EQ(made.role(), drivers::Role::Manager);
  EXPECT_EQ(made.region, "fra1");
  EXPECT_EQ(made.size, "s-1vcpu-2gb");
  EXPECT_GT(made.price_monthly, 0);
  EXPECT_EQ(ensure_droplet(api, "t", manager("t-manager-1")).id, made.id) << "a re-run takes what is there";
  EXPECT_EQ(standin.droplets().size(), 1u);
  EXPECT_TRUE(environment_droplets(api, "other").empty());
}

TEST(Droplets, ACreateWhoseAnswerWasLostIsLookedForBeforeItIsAskedAgain) {
  DigitalOceanStandin standin({.lost_answers_every = 2});  // the 2nd request: the POST
  Api api("rsm-test-token", standin.url(), quick());
  Droplet made = ensure_droplet(api, "t", manager("t-manager-1"));
  EXPECT_EQ(made.name, "t-manager-1");
  EXPECT_EQ(standin.droplets().size(), 1u) << "made once, though its answer was lost";
}

TEST(Droplets, ACreateRefusedForWhatItAskedIsNotAskedAgain) {
  DigitalOceanStandin standin;
  Api api("rsm-test-token", standin.url(), quick());
  auto request = manager("t-manager-1");
  request.size = "s-64vcpu-1tb";
  size_t before = standin.requests();
  EXPECT_THROW(ensure_droplet(api, "t", request), ApiError);
  EXPECT_EQ(standin.requests() - before, 2u) << "one look, one create";
}

TEST(Droplets, WaitedForUntilActiveWithAPublicAddressThenDeletedUntilGone) {
  DigitalOceanStandin standin;
  Api api("rsm-test-token", standin.url(), quick());
  Progress quiet(true);
  Droplet made = ensure_droplet(api, "t", manager("t-manager-1"));
  ensure_droplet(api, "t", manager("t-manager-2"));
  EXPECT_FALSE(made.ready()) << "new, without a public address";
  Droplet ready = wait_until_ready(api, made.id, quiet);
  EXPECT_TRUE(ready.ready());
  EXPECT_EQ(ready.status, "active");
  EXPECT_FALSE(ready.public_ipv4.empty());
  EXPECT_FALSE(ready.private_ipv4.empty());

  auto deleted = delete_droplets(api, "t", environment_droplets(api, "t"));
  EXPECT_EQ(deleted, (std::vector<std::string>{"t-manager-1", "t-manager-2"}));
  EXPECT_TRUE(environment_droplets(api, "t").empty()) << "listed until the stand-in let them go";
}
