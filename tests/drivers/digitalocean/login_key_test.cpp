// The environment's login key against the API stand-in: made once, registered once (the
// fingerprint rsm computes is the one the stand-in computes on its own), removed.
#include "drivers/digitalocean/login_key.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "support/digitalocean_standin.h"
#include "support/state_folder.h"

using namespace rsm::drivers::digitalocean;
using rsm::testing::DigitalOceanStandin;

namespace {

class LoginKeyTest : public ::testing::Test {
 protected:
  rsm::testing::StateFolder state_{"rsm-login-key-test"};
};

}  // namespace

TEST_F(LoginKeyTest, MadeAndRegisteredOnceThenRemoved) {
  DigitalOceanStandin standin;
  Api api("rsm-test-token", standin.url(), {.first_pause = std::chrono::milliseconds(10)});
  LoginKey key = ensure_login_key(api, "dev");
  EXPECT_TRUE(std::filesystem::exists(key.private_key_file));
  ASSERT_EQ(standin.ssh_keys().size(), 1u);
  EXPECT_EQ(standin.ssh_keys()[0]["name"], "rsm-dev");
  EXPECT_EQ(standin.ssh_keys()[0]["fingerprint"], key.fingerprint) << "the API's own fingerprint of the key";

  size_t before = api.requests();
  LoginKey again = ensure_login_key(api, "dev");
  EXPECT_EQ(again.fingerprint, key.fingerprint) << "the same pair";
  EXPECT_EQ(api.requests() - before, 1u) << "found by its fingerprint, not registered again";
  EXPECT_EQ(standin.ssh_keys().size(), 1u);

  EXPECT_NE(ensure_login_key(api, "prd").fingerprint, key.fingerprint) << "a pair per environment";
  EXPECT_EQ(standin.ssh_keys().size(), 2u);

  remove_login_key(api, "dev");
  EXPECT_FALSE(std::filesystem::exists(key.private_key_file));
  ASSERT_EQ(standin.ssh_keys().size(), 1u);
  EXPECT_EQ(standin.ssh_keys()[0]["name"], "rsm-prd");
  remove_login_key(api, "dev");  // nothing left: nothing to do
}

TEST_F(LoginKeyTest, AKeyTheAccountHasUnderAnotherNameIsTaken) {
  DigitalOceanStandin standin;
  Api api("rsm-test-token", standin.url(), {.first_pause = std::chrono::milliseconds(10)});
  LoginKey key = ensure_login_key(api, "dev");
  remove_login_key(api, "dev");
  key = ensure_login_key(api, "dev");  // a new pair
  std::ifstream in(key.private_key_file + ".pub");
  std::string public_key;
  std::getline(in, public_key);
  api.remove("/v2/account/keys/" + key.fingerprint);
  api.post("/v2/account/keys", {{"name", "added-by-hand"}, {"public_key", public_key}});
  EXPECT_EQ(ensure_login_key(api, "dev").fingerprint, key.fingerprint);
  ASSERT_EQ(standin.ssh_keys().size(), 1u);
  EXPECT_EQ(standin.ssh_keys()[0]["name"], "added-by-hand");
}
