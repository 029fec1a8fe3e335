#include "drivers/digitalocean/cloud_init.h"

#include <gtest/gtest.h>

#include <yaml-cpp/yaml.h>

using namespace rsm::drivers::digitalocean;

TEST(CloudInit, MakesAnEd25519HostKeyPair) {
  HostKey key = make_host_key();
  EXPECT_EQ(key.private_key.rfind("-----BEGIN OPENSSH PRIVATE KEY-----\n", 0), 0u);
  EXPECT_EQ(key.public_key.rfind("ssh-ed25519 AAAA", 0), 0u) << key.public_key;
  EXPECT_EQ(key.public_key.find('\n'), std::string::npos);
  EXPECT_NE(make_host_key().public_key, key.public_key);
}

TEST(CloudInit, PresetsTheHostKeyAndInstallsTheEngine) {
  HostKey key = make_host_key();
  std::string text = user_data(key);
  EXPECT_EQ(text.rfind("#cloud-config\n", 0), 0u);
  YAML::Node config = YAML::Load(text);
  EXPECT_EQ(config["ssh_keys"]["ed25519_private"].as<std::string>(), key.private_key);
  EXPECT_EQ(config["ssh_keys"]["ed25519_public"].as<std::string>(), key.public_key);
  EXPECT_TRUE(config["ssh_deletekeys"].as<bool>());
  EXPECT_EQ(config["ssh_genkeytypes"].size(), 0u) << "the pinned key is the only one";
  EXPECT_EQ(config["packages"][0].as<std::string>(), "docker.io");
}
