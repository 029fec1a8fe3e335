// Writes through a change of primary, against a stand-in that gives, in turn, every answer
// a real RethinkDB 2.4.4 gave one writer while the table's primary was killed, restarted,
// frozen and thawed (fixtures/reql/cluster/5_writer_through_failover.jsonl).
#include "reql/write_retry.h"

#include <gtest/gtest.h>

#include <fstream>

#include "replay_server.h"
#include "support/fixtures.h"

using namespace reql;
using nlohmann::json;

namespace {

// The recorded answers in order, and how many of them were acknowledgements.
struct Recording {
  std::vector<std::string> answers;
  int acknowledged = 0;
  int indeterminate = 0;
};

Recording writer_answers(const std::filesystem::path& fixtures) {
  Recording recording;
  std::ifstream file(fixtures / "cluster" / "5_writer_through_failover.jsonl");
  for (std::string line; std::getline(file, line);) {
    json entry = json::parse(line);
    if (entry.contains("event")) continue;
    std::string answer = entry["responses"].at(0);
    json parsed = json::parse(answer);
    recording.acknowledged += parsed["t"] == 1;
    recording.indeterminate += parsed.value("e", 0) == 4200000;
    recording.answers.push_back(answer);
  }
  return recording;
}

// A stand-in that answers writes with `answers`, in turn, and a connection to it.
struct Replay {
  std::unique_ptr<rsm::testing::ReplayServer> server;
  std::shared_ptr<Connection> connection;
};

Replay replay(const std::filesystem::path& fixtures, std::vector<std::string> answers) {
  json handshake = rsm::testing::read_json(fixtures / "handshake" / "admin_empty_password.json");
  Replay replay{std::make_unique<rsm::testing::ReplayServer>(handshake)};
  replay.server->add_timeline(std::move(answers));
  replay.connection = Connection::connect(rsm::testing::replay_options(*replay.server, handshake));
  return replay;
}

constexpr WriteRetry kQuick{.deadline = std::chrono::seconds(30),
                            .first_backoff = std::chrono::milliseconds(1),
                            .max_backoff = std::chrono::milliseconds(2)};

// Inserts numbered documents until the recording's acknowledgements are used up; counts
// how each write ended.
struct Outcome {
  int acknowledged = 0;
  int indeterminate = 0;
  int other_failures = 0;
};

Outcome write_through(Connection& connection, int acknowledgements, WriteRetry policy) {
  Outcome outcome;
  for (int id = 0; outcome.acknowledged < acknowledgements && id < 10000; ++id) {
    try {
      run_write(connection, r.db("w").table("t").insert(json{{"id", id}}), policy, {{"durability", "hard"}});
      ++outcome.acknowledged;
    } catch (const OpIndeterminateError&) {
      ++outcome.indeterminate;
    } catch (const Error&) {
      ++outcome.other_failures;
    }
  }
  return outcome;
}

}  // namespace

TEST(WriteRetry, EveryWriteEndsAcknowledgedOnceThroughTheRecordedFailover) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  auto recording = writer_answers(fixtures);
  ASSERT_GT(recording.answers.size(), 150u);
  ASSERT_EQ(recording.indeterminate, 1);
  auto writer = replay(fixtures, recording.answers);

  // Inserts of a given key are idempotent: the indeterminate one runs again too.
  WriteRetry idempotent = kQuick;
  idempotent.idempotent = true;
  auto outcome = write_through(*writer.connection, recording.acknowledged, idempotent);
  EXPECT_EQ(outcome.acknowledged, recording.acknowledged);
  EXPECT_EQ(outcome.indeterminate, 0);
  EXPECT_EQ(outcome.other_failures, 0);
}

TEST(WriteRetry, AnIndeterminateWriteRunsAgainOnlyWhenMarkedIdempotent) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  auto recording = writer_answers(fixtures);
  auto writer = replay(fixtures, recording.answers);

  // Every refusal that says the write was not performed is retried; the one that may have
  // been performed reaches the caller, once.
  auto outcome = write_through(*writer.connection, recording.acknowledged, kQuick);
  EXPECT_EQ(outcome.acknowledged, recording.acknowledged);
  EXPECT_EQ(outcome.indeterminate, 1);
  EXPECT_EQ(outcome.other_failures, 0);
}

TEST(WriteRetry, GivesUpAtTheDeadlineAndNeverRetriesOtherErrors) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  std::string refused =
      R"({"t":18,"e":4100000,"r":["Cannot perform write: primary replica for shard [\"\", +inf) not available"],"b":[]})";
  auto refusing = replay(fixtures, std::vector<std::string>(100, refused));
  auto insert = r.db("w").table("t").insert(json{{"id", 1}});

  auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(run_write(*refusing.connection, insert,
                         {.deadline = std::chrono::milliseconds(200),
                          .first_backoff = std::chrono::milliseconds(10),
                          .max_backoff = std::chrono::milliseconds(40)}),
               OpFailedError);
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_LT(waited, std::chrono::milliseconds(1000));

  // A query the server cannot read is the caller's to fix: no second attempt.
  auto compiling =
      replay(fixtures, {R"({"t":17,"r":["Expected type TABLE but found DATUM"],"b":[]})", R"({"t":1,"r":[{}]})"});
  EXPECT_THROW(run_write(*compiling.connection, insert, kQuick), CompileError);
  EXPECT_EQ(run_write(*compiling.connection, insert, kQuick).value(), json::object())
      << "the second answer is still there";
}
