#include "util/error.h"

#include <gtest/gtest.h>

using namespace rsm;

TEST(ErrorPolicy, TheUsersInputExitsTwoAndTheWorldOne) {
  EXPECT_EQ(exit_code_of(UsageError("bad flag")), 2);
  EXPECT_EQ(exit_code_of(Error("engine down")), 1);
  EXPECT_EQ(exit_code_of(std::runtime_error("anything else")), 1);
  EXPECT_EQ(exit_code_of(no_nodes_error("dev")), 2);
  EXPECT_EQ(exit_code_of(no_manager_error("dev")), 1);
}

TEST(ErrorPolicy, AnEnvironmentWithoutNodesHasOneMessage) {
  std::string message = no_nodes_error("dve").what();
  EXPECT_EQ(message.rfind("environment dve has no nodes", 0), 0u) << message;
  EXPECT_NE(message.find("rsm nodes create dve"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(ErrorPolicy, IgnoreFailureDropsErrorsOnly) {
  bool ran = false;
  ignore_failure("the test says so", [&] {
    ran = true;
    throw Error("dropped");
  });
  EXPECT_TRUE(ran);
  EXPECT_THROW(ignore_failure("a bug is not a failure to drop", [] { throw std::logic_error("bug"); }),
               std::logic_error);
}
