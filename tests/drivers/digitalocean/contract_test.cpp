// Every call rsm's DigitalOcean client makes, sent through Prism to the stand-in: Prism
// checks each request against DigitalOcean's OpenAPI description, and each answer the
// stand-in gives, and turns a violation into an error, so a call that does not keep the
// contract (on either side) fails here. Skips, saying why, without the description
// (../shared/reference) or Prism (npm ci --prefix tests/contract).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <memory>

#include "drivers/digitalocean/api.h"
#include "drivers/digitalocean/cloud_firewall.h"
#include "drivers/digitalocean/cloud_init.h"
#include "drivers/digitalocean/droplets.h"
#include "drivers/digitalocean/login_key.h"
#include "support/contract_proxy.h"
#include "support/digitalocean_standin.h"
#include "support/fixtures.h"
#include "support/state_folder.h"

using namespace rsm::drivers::digitalocean;
using namespace rsm::testing;

namespace {

// One stand-in and one Prism for the whole suite: Prism takes a while to read the description.
class DigitalOceanContract : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto openapi = digitalocean_openapi();
    if (!openapi) {
      skip_reason_ = new std::string(digitalocean_openapi_missing_reason());
      return;
    }
    if (auto missing = ContractProxy::missing_reason()) {
      skip_reason_ = new std::string(*missing);
      return;
    }
    standin_ = new DigitalOceanStandin({.active_after = std::chrono::milliseconds(200),
                                        .address_after = std::chrono::milliseconds(200),
                                        .gone_after = std::chrono::milliseconds(200),
                                        .action_takes = std::chrono::milliseconds(200)});
    proxy_ = new ContractProxy(openapi->string(), standin_->url());
  }
  static void TearDownTestSuite() {
    delete proxy_;
    delete standin_;
    delete skip_reason_;
    proxy_ = nullptr, standin_ = nullptr, skip_reason_ = nullptr;
  }
  void SetUp() override {
    if (skip_reason_) GTEST_SKIP() << *skip_reason_;
    api_ = std::make_unique<Api>("rsm-test-token", proxy_->url(),
                                 ApiOptions{.attempts = 1, .first_pause = std::chrono::milliseconds(10)});
  }
  void TearDown() override {
    if (HasFailure() && proxy_) std::printf("Prism's log:\n%s\n", proxy_->log().c_str());
  }

  static std::string* skip_reason_;
  static DigitalOceanStandin* standin_;
  static ContractProxy* proxy_;
  std::unique_ptr<Api> api_;
};

std::string* DigitalOceanContract::skip_reason_ = nullptr;
DigitalOceanStandin* DigitalOceanContract::standin_ = nullptr;
ContractProxy* DigitalOceanContract::proxy_ = nullptr;

}  // namespace

TEST_F(DigitalOceanContract, SshKeys) {
  std::string key = make_host_key().public_key;
  auto created = api_->post("/v2/account/keys", {{"name", "rsm-contract"}, {"public_key", key}});
  std::string fingerprint = created["ssh_key"]["fingerprint"];
  EXPECT_EQ(created["ssh_key"]["public_key"], key);
  try {
    api_->post("/v2/account/keys", {{"name", "rsm-contract-again"}, {"public_key", key}});
    FAIL() << "the same key twice";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 422) << e.what();
    EXPECT_NE(std::string(e.what()).find("already in use"), std::string::npos) << e.what();
  }
  EXPECT_EQ(api_->list("/v2/account/keys", "ssh_keys").size(), 1u);
  EXPECT_EQ(api_->get("/v2/account/keys/" + fingerprint)["ssh_key"]["name"], "rsm-contract");
  EXPECT_TRUE(api_->remove("/v2/account/keys/" + fingerprint));
  EXPECT_FALSE(api_->remove("/v2/account/keys/" + fingerprint));
}

TEST_F(DigitalOceanContract, DropletsTheirActionsAndTags) {
  json request{{"region", "ams3"},
               {"size", "s-1vcpu-2gb"},
               {"image", "debian-12-x64"},
               {"tags", {"rsm", "rsm-env-contract", "rsm-role-manager"}},
               {"user_data", "#cloud-config\n"}};
  request["name"] = "contract-manager-1";
  long id = api_->post("/v2/droplets", request)["droplet"]["id"];
  request.erase("name");
  request["names"] = {"contract-worker-1", "contract-worker-2"};
  EXPECT_EQ(api_->post("/v2/droplets", request)["droplets"].size(), 2u);

  EXPECT_EQ(api_->list("/v2/droplets?tag_name=rsm-env-contract", "droplets").size(), 3u);
  auto droplet = api_->get("/v2/droplets/" + std::to_string(id))["droplet"];
  EXPECT_EQ(droplet["name"], "contract-manager-1");

  long action = api_->post("/v2/droplets/" + std::to_string(id) + "/actions", {{"type", "power_off"}})["action"]["id"];
  EXPECT_EQ(api_->get("/v2/actions/" + std::to_string(action))["action"]["type"], "power_off");
  api_->post("/v2/droplets/" + std::to_string(id) + "/actions", {{"type", "power_on"}});

  EXPECT_TRUE(api_->remove("/v2/droplets/" + std::to_string(id)));
  EXPECT_TRUE(api_->remove("/v2/droplets?tag_name=rsm-env-contract"));
  api_->post("/v2/tags", {{"name", "rsm-env-contract-2"}});
  EXPECT_TRUE(api_->remove("/v2/tags/rsm-env-contract-2"));
}

// The steps of the digitalocean driver, as it takes them.
TEST_F(DigitalOceanContract, TheDriversSteps) {
  rsm::testing::StateFolder state("rsm-contract-state");
  rsm::Progress quiet(true);
  LoginKey key = ensure_login_key(*api_, "steps");
  Droplet made = ensure_droplet(*api_, "steps",
                                {.name = "steps-manager-1",
                                 .role = rsm::drivers::Role::Manager,
                                 .region = "sgp1",
                                 .size = "s-1vcpu-1gb",
                                 .image = "debian-12-x64",
                                 .ssh_key_fingerprint = key.fingerprint,
                                 .user_data = user_data(make_host_key())});
  EXPECT_TRUE(wait_until_ready(*api_, made.id, quiet).ready());
  FirewallPlan plan{.public_ports = {9090}, .mesh_port = 51820, .other_addresses = {"198.51.100.7"}};
  EXPECT_TRUE(ensure_firewall(*api_, "steps", plan));
  plan.public_ports.push_back(8080);
  EXPECT_TRUE(ensure_firewall(*api_, "steps", plan));
  remove_firewall(*api_, "steps");
  EXPECT_EQ(delete_droplets(*api_, "steps", environment_droplets(*api_, "steps")).size(), 1u);
  remove_login_key(*api_, "steps");
}

// The check itself: a request outside the contract never reaches the stand-in, and an
// answer outside it never reaches the client.
TEST_F(DigitalOceanContract, ABrokenContractFailsTheCall) {
  size_t before = standin_->requests();
  try {
    api_->post("/v2/droplets", {{"name", 5}, {"size", "s-1vcpu-1gb"}, {"image", "debian-12-x64"}});
    FAIL() << "a name that is a number passed the check";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 422) << e.what();
  }
  EXPECT_EQ(standin_->requests(), before);

  DigitalOceanStandin broken({.break_contract = true});
  ContractProxy proxy(digitalocean_openapi()->string(), broken.url());
  Api api("rsm-test-token", proxy.url(), {.attempts = 1});
  try {
    api.post("/v2/droplets", {{"name", "fine"}, {"size", "s-1vcpu-1gb"}, {"image", "debian-12-x64"}});
    FAIL() << "a droplet without its networks passed the check";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 500) << e.what();
    EXPECT_NE(std::string(e.what()).find("Request/Response not valid"), std::string::npos) << e.what();
  }
  EXPECT_EQ(broken.droplets().size(), 1u) << "the stand-in made it; the answer was stopped";
}

TEST_F(DigitalOceanContract, Errors) {
  try {
    api_->post("/v2/droplets", {{"name", "x"}, {"size", "s-64vcpu-1tb"}, {"image", "debian-12-x64"}});
    FAIL() << "an unknown size was taken";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 422) << e.what();
    EXPECT_NE(std::string(e.what()).find("invalid size"), std::string::npos) << e.what();
  }
  try {
    api_->get("/v2/droplets/1");
    FAIL() << "a droplet that was never made";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 404) << e.what();
  }
  Api wrong("not-the-token", proxy_->url(), {.attempts = 1});
  try {
    wrong.get("/v2/droplets");
    FAIL() << "a wrong token was taken";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 401) << e.what();
  }
}
