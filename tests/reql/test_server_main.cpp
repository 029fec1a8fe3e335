// reql_test_server PORT [PASSWORD] [--write-each-answer]: the tests' RethinkDB stand-in as
// a program, for benchmarks when no real server is at hand. It authenticates with real
// SCRAM and answers a query whose term is a string with that string (r.expr("...")).
// --write-each-answer sends every answer in a write of its own, as RethinkDB 2.4 does;
// without it the answers to what one read brought go out together.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "replay_server.h"

int main(int argc, char** argv) {
  std::vector<std::string> positional;
  bool write_each_answer = false;
  for (int i = 1; i < argc; ++i) {
    std::string argument = argv[i];
    if (argument == "--write-each-answer")
      write_each_answer = true;
    else
      positional.push_back(argument);
  }
  if (positional.empty() || positional.size() > 2) {
    std::fprintf(stderr, "usage: reql_test_server PORT [PASSWORD] [--write-each-answer]\n");
    return 2;
  }
  nlohmann::json hello{
      {"dir", "s2c"},
      {"text",
       R"({"max_protocol_version":0,"min_protocol_version":0,"server_version":"rsm-test-server","success":true})"}};
  rsm::testing::ReplayServer server({{"messages", {hello}}}, positional.size() > 1 ? positional[1] : "",
                                    std::atoi(positional[0].c_str()));
  server.set_write_each_answer(write_each_answer);
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
