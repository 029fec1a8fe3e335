#include "engine/image_transfer.h"

#include <gtest/gtest.h>

#include "support/test_images.h"

using namespace rsm::engine;

TEST(ImageTransfer, StreamsAnImageFromOneEngineIntoAnother) {
  // Source and target are the same engine here; the test nodes do it across engines.
  Client source(Endpoint::from_environment());
  Client target(Endpoint::from_environment());
  rsm::testing::ensure_busybox_image(source);
  std::string copy = rsm::testing::unique_name("rsm-test/copy") + ":1";
  source.post("/images/" + std::string(rsm::testing::kBusyboxImage) + "/tag?repo=" + copy.substr(0, copy.find(':')) +
              "&tag=1");
  std::string id = source.get("/images/" + copy + "/json")["Id"];
  copy_image(source, target, copy);
  EXPECT_EQ(target.get("/images/" + copy + "/json")["Id"], id);
  source.request(Method::Delete, "/images/" + copy);
}

TEST(ImageTransfer, FailsAtOnceForAnImageNobodyHas) {
  Client source(Endpoint::from_environment());
  Client target(Endpoint::from_environment());
  try {
    copy_image(source, target, "rsm-test/no-such-image:404");
    FAIL();
  } catch (const rsm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("has no image rsm-test/no-such-image:404"), std::string::npos) << e.what();
  }
}
