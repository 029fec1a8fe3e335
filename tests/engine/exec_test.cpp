#include "engine/exec.h"

#include <gtest/gtest.h>

#include "support/test_images.h"

using namespace rsm::engine;

TEST(Exec, RunsInAContainerAndKeepsStreamsApart) {
  Client client(Endpoint::from_environment());
  rsm::testing::ensure_busybox_image(client);
  std::string name = rsm::testing::unique_name("rsm-exec-test");
  client.request(Method::Delete, "/containers/" + name + "?force=1");
  client.post("/containers/create?name=" + name, {{"Image", rsm::testing::kBusyboxImage}, {"Cmd", {"sleep", "60"}}});
  client.post("/containers/" + name + "/start");

  std::string out, err;
  int code = exec_in_container(
      client, name, {"/bin/busybox", "sh", "-c", "echo out; echo err >&2; exit 7"},
      [&](StreamKind kind, std::string_view data) { (kind == StreamKind::Stderr ? err : out).append(data); });
  client.request(Method::Delete, "/containers/" + name + "?force=1");
  EXPECT_EQ(code, 7);
  EXPECT_EQ(out, "out\n");
  EXPECT_EQ(err, "err\n");
}
