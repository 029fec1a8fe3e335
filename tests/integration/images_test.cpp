// rsm images load: images onto every node of a real local swarm without a registry.
#include <gtest/gtest.h>

#include "engine/image_transfer.h"
#include "support/environment_fixture.h"
#include "support/rsm_runner.h"
#include "support/test_images.h"

using namespace rsm;
using namespace rsm::testing;

namespace {

class ImagesLoad : public EnvironmentTest {
 protected:
  void SetUp() override {
    make_environment("img", 1, 1);
    engine::Client host(engine::Endpoint::from_environment());
    ensure_busybox_image(host);
  }

  bool node_has(const std::string& role, const std::string& image) {
    engine::Client client(node_engine(env_, node(role, 1)));
    return engine::has_image(client, image);
  }
};

}  // namespace

TEST_F(ImagesLoad, CopiesIntoEveryNodeOnceAndFromANodeWhenThisMachineLacksIt) {
  auto first = run_rsm({"images", "load", env_, kBusyboxImage});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("loaded into 2 node(s), 0 had it already"), std::string::npos) << first.output;
  EXPECT_TRUE(node_has("manager", kBusyboxImage));
  EXPECT_TRUE(node_has("worker", kBusyboxImage));

  auto again = run_rsm({"images", "load", env_, kBusyboxImage, "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  auto result = nlohmann::json::parse(again.output);
  EXPECT_TRUE(result["loaded"].empty());
  EXPECT_EQ(result["already"].size(), 2u);

  // An image only the manager has (tagged there, unknown to this machine) reaches the worker.
  std::string only_there = unique_name("rsm-test/only-on-manager") + ":1";
  engine::Client manager(node_engine(env_, node("manager", 1)));
  manager.post("/images/" + std::string(kBusyboxImage) + "/tag?repo=" + only_there.substr(0, only_there.find(':')) +
               "&tag=1");
  auto from_node = run_rsm({"images", "load", env_, only_there});
  ASSERT_EQ(from_node.exit_code, 0) << from_node.output;
  EXPECT_NE(from_node.output.find("from " + node("manager", 1)), std::string::npos) << from_node.output;
  EXPECT_TRUE(node_has("worker", only_there));

  // A new build under the same tag here replaces the nodes' older one.
  std::string rebuilt = unique_name("rsm-test/rebuilt") + ":1";
  engine::Client host(engine::Endpoint::from_environment());
  auto tag_here = [&](const std::string& source) {
    host.post("/images/" + source + "/tag?repo=" + rebuilt.substr(0, rebuilt.find(':')) + "&tag=1");
  };
  tag_here(kBusyboxImage);
  ASSERT_EQ(run_rsm({"images", "load", env_, rebuilt}).exit_code, 0);
  tag_here(ensure_fake_rethinkdb_image(host));
  auto newer = nlohmann::json::parse(run_rsm({"images", "load", env_, rebuilt, "--json"}).output);
  EXPECT_EQ(newer["loaded"].size(), 2u) << newer.dump();
  engine::Client worker(node_engine(env_, node("worker", 1)));
  EXPECT_EQ(engine::image_id(worker, rebuilt), engine::image_id(host, rebuilt));
  host.request(engine::Method::Delete, "/images/" + rebuilt);
}

TEST_F(ImagesLoad, FailsAtOnceForAnImageNobodyHas) {
  auto result = run_rsm({"images", "load", env_, "rsm-test/nobody-has:404"});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_EQ(result.output.rfind("rsm: error: no engine has image rsm-test/nobody-has:404", 0), 0u) << result.output;
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
}
