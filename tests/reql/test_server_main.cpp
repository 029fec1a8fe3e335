// reql_test_server PORT [PASSWORD | --password-file FILE] [--write-each-answer] [--everywhere]
// [--memory [--server-name NAME]]: the tests' RethinkDB stand-in as a program, for benchmarks when no real
// server is at hand, and as the server of the stand-in database images. It authenticates
// with real SCRAM and answers a query whose term is a string with that string
// (r.expr("...")); with --memory it evaluates what backups and restores send, over
// databases and tables in memory (support/memory_rethinkdb.h), describing itself as a
// cluster of one server named NAME when given one.
// --write-each-answer sends every answer in a write of its own, as RethinkDB 2.4 does;
// without it the answers to what one read brought go out together. --everywhere listens on
// every interface instead of 127.0.0.1.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "replay_server.h"
#include "support/memory_rethinkdb.h"

int main(int argc, char** argv) {
  std::vector<std::string> positional;
  bool write_each_answer = false;
  bool memory = false;
  auto listen = rsm::testing::ReplayServer::Listen::loopback;
  std::string password;
  std::string server_name;
  for (int i = 1; i < argc; ++i) {
    std::string argument = argv[i];
    if (argument == "--write-each-answer") {
      write_each_answer = true;
    } else if (argument == "--memory") {
      memory = true;
    } else if (argument == "--server-name" && i + 1 < argc) {
      server_name = argv[++i];
    } else if (argument == "--everywhere") {
      listen = rsm::testing::ReplayServer::Listen::everywhere;
    } else if (argument == "--password-file" && i + 1 < argc) {
      std::ifstream file(argv[++i]);
      std::getline(file, password);
      if (!file) {
        std::fprintf(stderr, "reql_test_server: cannot read the password file %s\n", argv[i]);
        return 2;
      }
    } else {
      positional.push_back(argument);
    }
  }
  if (positional.empty() || positional.size() > 2) {
    std::fprintf(stderr,
                 "usage: reql_test_server PORT [PASSWORD | --password-file FILE] [--write-each-answer] "
                 "[--everywhere] [--memory [--server-name NAME]]\n");
    return 2;
  }
  if (positional.size() > 1) password = positional[1];
  nlohmann::json hello{
      {"dir", "s2c"},
      {"text",
       R"({"max_protocol_version":0,"min_protocol_version":0,"server_version":"rsm-test-server","success":true})"}};
  rsm::testing::ReplayServer server({{"messages", {hello}}}, password, std::atoi(positional[0].c_str()), listen);
  server.set_write_each_answer(write_each_answer);
  rsm::testing::MemoryRethinkdb database;
  if (!server_name.empty()) database.set_server_name(server_name);
  if (memory)
    server.set_evaluator(
        [&](const nlohmann::json& term, const nlohmann::json& optargs) { return database.answer(term, optargs); });
  std::printf("listening on port %d\n", server.port());
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
