// Images the tests run. There is no registry here, so they are built on the spot from
// Debian's busybox-static: one static binary in a FROM scratch image.
#pragma once

#include <string>

#include "engine/client.h"

namespace rsm::testing {

inline constexpr const char* kBusyboxImage = "rsm-test/busybox:1";

// Builds kBusyboxImage on the engine unless it is there already.
void ensure_busybox_image(engine::Client& engine);

// A stand-in for the official RethinkDB image where none exists: busybox plus the fake
// `rethinkdb` and `getent` of tests/support/fake_rethinkdb/. Built unless there; returns
// its reference (tagged with a hash of those files).
std::string ensure_fake_rethinkdb_image(engine::Client& engine);

// The fake image plus the tests' RethinkDB stand-in (reql_test_server, built in bench/,
// at `test_server`) on port 28015 with the admin password: it answers the sample app's
// queries (a string is echoed back), and nothing of a real cluster (no system tables, no
// data kept). For faults under load where no real image exists.
std::string ensure_standin_rethinkdb_image(engine::Client& engine, const std::string& test_server);
// The same, whose server keeps databases and tables in memory and evaluates what backups
// and restores send (support/memory_rethinkdb.h): a database for one server, which
// describes itself in the system tables as a cluster of that one server.
std::string ensure_memory_rethinkdb_image(engine::Client& engine, const std::string& test_server);

// A web app for tests (tests/support/web/): busybox httpd answering "web VERSION" on
// port 8080, with a health check; version "broken" never becomes healthy. Returns its
// reference, rsm-test/web:VERSION-<hash>.
std::string ensure_web_image(engine::Client& engine, const std::string& version);

// A Docker registry for push tests: Debian's docker-registry, in an image made from
// Debian packages the way rsm makes its own (FROM a base written by mmdebstrap where nothing can be pulled).
// It serves plain HTTP on port 5000 and keeps nothing. Returns its reference.
std::string ensure_registry_image(engine::Client& engine);

// A name no other test run uses at the same time: "<prefix>-<pid>".
std::string unique_name(const std::string& prefix);

}  // namespace rsm::testing
