// The app's settings, all from the environment (as a swarm service gets them).
#pragma once

#include <string>
#include <vector>

struct AppConfig {
  int port = 9090;                                // PORT
  std::vector<std::string> database{"db:28015"};  // RETHINKDB_HOSTS, comma-separated host:port
  std::string user = "admin";                     // RETHINKDB_USER
  std::string password;           // RETHINKDB_PASSWORD, or the file RETHINKDB_PASSWORD_FILE (a Docker secret)
  int idle_timeout_seconds = 60;  // IDLE_TIMEOUT: a keep-alive connection quiet this long is closed
  int workers = 0;                // WORKERS: serving threads; 0 (the default): one per CPU we may run on
  bool hedged_reads = true;       // HEDGED_READS: 0 sends each read to one server only (for comparisons)

  // Throws std::runtime_error with a one-line reason for bad values.
  static AppConfig from_environment();
};
