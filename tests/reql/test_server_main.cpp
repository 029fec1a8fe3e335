// reql_test_server PORT [PASSWORD]: the tests' RethinkDB stand-in as a program, for
// benchmarks when no real server is at hand. It authenticates with real SCRAM and
// answers a query whose term is a string with that string (r.expr("...")).
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "replay_server.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: reql_test_server PORT [PASSWORD]\n");
    return 2;
  }
  nlohmann::json hello{{"dir", "s2c"},
                       {"text", R"({"max_protocol_version":0,"min_protocol_version":0,"server_version":"rsm-test-server","success":true})"}};
  rsm::testing::ReplayServer server({{"messages", {hello}}}, argc > 2 ? argv[2] : "", std::atoi(argv[1]));
  std::printf("listening on 127.0.0.1:%d\n", server.port());
  std::fflush(stdout);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  int signal = 0;
  sigwait(&stop, &signal);
  return 0;
}
