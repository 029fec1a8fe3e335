// Images from Debian packages: the recipe, its Dockerfile and its tag. (Building them is
// tested for real by every integration test, which needs the node image.)
#include <gtest/gtest.h>

#include <cstdlib>

#include "images/debian_image.h"

using namespace rsm::images;

namespace {

DebianImageRecipe recipe() {
  return {.what = "test image",
          .repository = "rsm-test-debian",
          .packages = {"haproxy", "tini"},
          .files = {{"/etc/x.conf", "x = 1\n", 0644}, {"/usr/local/bin/run", "#!/bin/sh\n", 0755}},
          .entrypoint = {"/usr/bin/tini", "--", "/usr/local/bin/run"},
          .override_variable = "RSM_TEST_DEBIAN_IMAGE"};
}

}  // namespace

TEST(DebianImage, DockerfileInstallsThePackagesAndCopiesTheFiles) {
  EXPECT_EQ(dockerfile(recipe()),
            "FROM debian:bookworm-slim\n"
            "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "
            "haproxy tini && rm -rf /var/lib/apt/lists/*\n"
            "COPY files/0 /etc/x.conf\n"
            "COPY files/1 /usr/local/bin/run\n"
            "ENTRYPOINT [\"/usr/bin/tini\",\"--\",\"/usr/local/bin/run\"]\n");
}

TEST(DebianImage, TagFollowsTheRecipe) {
  unsetenv("RSM_TEST_DEBIAN_IMAGE");
  std::string tag = image_reference(recipe());
  EXPECT_EQ(tag.rfind("rsm-test-debian:", 0), 0u) << tag;
  EXPECT_EQ(tag, image_reference(recipe()));
  auto more = recipe();
  more.packages.push_back("curl");
  EXPECT_NE(image_reference(more), tag);
  auto other_file = recipe();
  other_file.files[0].content = "x = 2\n";
  EXPECT_NE(image_reference(other_file), tag);
  auto other_mode = recipe();
  other_mode.files[0].mode = 0600;
  EXPECT_NE(image_reference(other_mode), tag);
}

TEST(DebianImage, OverrideVariableNamesAReadyImage) {
  setenv("RSM_TEST_DEBIAN_IMAGE", "mine:1", 1);
  EXPECT_EQ(image_reference(recipe()), "mine:1");
  unsetenv("RSM_TEST_DEBIAN_IMAGE");
}

TEST(DebianImage, OnlyProgramsMakesAScratchImageOfThemAndTheirLibraries) {
  auto slim = recipe();
  slim.only_programs = {"/usr/sbin/haproxy"};
  std::string text = dockerfile(slim);
  EXPECT_NE(text.find("ldd $program"), std::string::npos) << text;
  EXPECT_NE(text.find("for program in /usr/sbin/haproxy; do"), std::string::npos) << text;
  auto scratch = text.find("FROM scratch\nCOPY --from=0 /rsm-kept /\n");
  ASSERT_NE(scratch, std::string::npos) << text;
  EXPECT_LT(scratch, text.find("COPY files/0 /etc/x.conf")) << "the files go into the final image";
  EXPECT_NE(image_reference(slim), image_reference(recipe()));
}
