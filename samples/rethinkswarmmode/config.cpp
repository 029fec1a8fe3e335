// Reads the app's settings from its environment variables, refusing a bad value in one
// line (the process exits 1 with it).
#include "config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace {
std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}
}  // namespace

AppConfig AppConfig::from_environment() {
  AppConfig config;
  if (auto port = env("PORT"); !port.empty()) {
    config.port = std::atoi(port.c_str());
    if (config.port <= 0 || config.port > 65535)
      throw std::runtime_error("PORT must be a port number, not '" + port + "'");
  }
  if (auto idle = env("IDLE_TIMEOUT"); !idle.empty()) {
    config.idle_timeout_seconds = std::atoi(idle.c_str());
    if (config.idle_timeout_seconds <= 0)
      throw std::runtime_error("IDLE_TIMEOUT must be a number of seconds, not '" + idle + "'");
  }
  if (auto workers = env("WORKERS"); !workers.empty()) {
    config.workers = std::atoi(workers.c_str());
    if (config.workers <= 0 || config.workers > 1024)
      throw std::runtime_error("WORKERS must be a number of threads from 1 to 1024, not '" + workers + "'");
  }
  if (auto hedged = env("HEDGED_READS"); !hedged.empty()) {
    if (hedged != "0" && hedged != "1") throw std::runtime_error("HEDGED_READS must be 0 or 1, not '" + hedged + "'");
    config.hedged_reads = hedged == "1";
  }
  if (auto hosts = env("RETHINKDB_HOSTS"); !hosts.empty()) {
    config.database.clear();
    std::istringstream list(hosts);
    for (std::string host; std::getline(list, host, ',');)
      if (!host.empty()) config.database.push_back(host);
  }
  if (auto user = env("RETHINKDB_USER"); !user.empty()) config.user = user;
  config.password = env("RETHINKDB_PASSWORD");
  if (auto file = env("RETHINKDB_PASSWORD_FILE"); !file.empty()) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read RETHINKDB_PASSWORD_FILE " + file);
    std::getline(in, config.password);  // a secret file may end with a newline
  }
  return config;
}
