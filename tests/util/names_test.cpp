#include "util/names.h"

#include <gtest/gtest.h>

#include <string>

#include "drivers/node.h"
#include "util/error.h"

TEST(EnvName, AcceptsTheUsualNames) {
  for (std::string name : {"dev", "tst", "acc", "prd", "team-7", "a"})
    EXPECT_NO_THROW(rsm::validate_env_name(name)) << name;
  EXPECT_NO_THROW(rsm::validate_env_name(std::string(32, 'x')));
}

TEST(EnvName, RejectsWhatCannotBeAHostName) {
  for (const char* name : {"", "Dev", "dev_1", "-dev", "dev-", "dev.1", "dév", "a b"})
    EXPECT_THROW(rsm::validate_env_name(name), rsm::UsageError) << name;
  EXPECT_THROW(rsm::validate_env_name(std::string(33, 'x')), rsm::UsageError);
}

TEST(NodeName, IsEnvRoleIndex) {
  EXPECT_EQ(rsm::drivers::node_name("dev", rsm::drivers::Role::Manager, 1), "dev-manager-1");
  EXPECT_EQ(rsm::drivers::node_name("dev", rsm::drivers::Role::Worker, 12), "dev-worker-12");
  EXPECT_EQ(rsm::drivers::parse_role("worker"), rsm::drivers::Role::Worker);
  EXPECT_FALSE(rsm::drivers::parse_role("boss"));
}
