#include "engine/endpoint.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "util/error.h"

using rsm::engine::Endpoint;

TEST(Endpoint, DefaultsToTheLocalSocket) {
  unsetenv("DOCKER_HOST");
  auto endpoint = Endpoint::from_environment();
  EXPECT_EQ(endpoint.kind, Endpoint::Kind::Unix);
  EXPECT_EQ(endpoint.to_string(), "unix:///var/run/docker.sock");
}

TEST(Endpoint, ParsesUnixSockets) {
  auto endpoint = Endpoint::parse("unix:///run/user/1000/docker.sock");
  EXPECT_EQ(endpoint.socket_path, "/run/user/1000/docker.sock");
  EXPECT_THROW(Endpoint::parse("unix://relative"), rsm::UsageError);
}

TEST(Endpoint, ParsesTcpWithAndWithoutTls) {
  unsetenv("DOCKER_TLS_VERIFY");
  auto plain = Endpoint::parse("tcp://10.1.2.3");
  EXPECT_EQ(plain.port, 2375);
  EXPECT_FALSE(plain.tls);

  setenv("DOCKER_TLS_VERIFY", "1", 1);
  setenv("DOCKER_CERT_PATH", "/certs", 1);
  auto secure = Endpoint::parse("tcp://docker.example:4243");
  EXPECT_TRUE(secure.tls);
  EXPECT_EQ(secure.port, 4243);
  EXPECT_EQ(secure.cert_dir, "/certs");
  EXPECT_EQ(Endpoint::parse("tcp://[::1]").port, 2376);
  EXPECT_EQ(Endpoint::parse("tcp://[::1]").host, "::1");
  EXPECT_EQ(Endpoint::parse("tcp://[::1]:9999").to_string(), "tcp://[::1]:9999");
  unsetenv("DOCKER_TLS_VERIFY");
  unsetenv("DOCKER_CERT_PATH");
}

TEST(Endpoint, ParsesSsh) {
  auto endpoint = Endpoint::parse("ssh://deploy@node1.example:2222");
  EXPECT_EQ(endpoint.kind, Endpoint::Kind::Ssh);
  EXPECT_EQ(endpoint.user, "deploy");
  EXPECT_EQ(endpoint.host, "node1.example");
  EXPECT_EQ(endpoint.port, 2222);
  EXPECT_EQ(endpoint.to_string(), "ssh://deploy@node1.example:2222");
  EXPECT_EQ(Endpoint::parse("ssh://node1").to_string(), "ssh://node1");
}

TEST(Endpoint, RejectsWhatItCannotReach) {
  EXPECT_THROW(Endpoint::parse("npipe:////./pipe/docker_engine"), rsm::UsageError);
  EXPECT_THROW(Endpoint::parse("tcp://"), rsm::UsageError);
  EXPECT_THROW(Endpoint::parse("tcp://host:notaport"), rsm::UsageError);
  EXPECT_THROW(Endpoint::parse("tcp://host:70000"), rsm::UsageError);
  EXPECT_THROW(Endpoint::parse("ssh://user@"), rsm::UsageError);
}
