// Every response a real RethinkDB 2.4.4 sent in the recordings (../shared/fixtures/reql:
// queries.jsonl and the cluster phases) parses into the right value or typed error.
#include "reql/response.h"

#include <gtest/gtest.h>

#include <fstream>
#include <typeinfo>

#include "reql/errors.h"
#include "support/fixtures.h"

using namespace reql;
using nlohmann::json;

namespace {

std::vector<json> read_cases(const std::filesystem::path& file) {
  std::vector<json> cases;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) cases.push_back(json::parse(line));
  return cases;
}

std::vector<json> all_cases(const std::filesystem::path& fixtures) {
  auto cases = read_cases(fixtures / "queries.jsonl");
  for (const auto& entry : std::filesystem::directory_iterator(fixtures / "cluster"))
    if (entry.path().extension() == ".jsonl")
      for (auto& c : read_cases(entry.path())) cases.push_back(std::move(c));
  return cases;
}

// The error class the official drivers raise for a runtime error type.
bool is_expected_class(const QueryError& e, int error_type) {
  switch (error_type) {
    case 1000000:
      return dynamic_cast<const InternalError*>(&e) != nullptr;
    case 2000000:
      return dynamic_cast<const ResourceLimitError*>(&e) != nullptr;
    case 3000000:
      return typeid(e) == typeid(QueryLogicError);
    case 3100000:
      return dynamic_cast<const NonExistenceError*>(&e) != nullptr;
    case 4100000:
      return dynamic_cast<const OpFailedError*>(&e) != nullptr;
    case 4200000:
      return dynamic_cast<const OpIndeterminateError*>(&e) != nullptr;
    case 5000000:
      return dynamic_cast<const UserError*>(&e) != nullptr;
    case 6000000:
      return dynamic_cast<const PermissionError*>(&e) != nullptr;
  }
  return false;
}

// Checks every pseudo-type inside a value; returns how many it found.
int check_pseudotypes(const json& value) {
  int found = 0;
  if (is_time(value)) {
    Time time = to_time(value);
    EXPECT_EQ(time.epoch_seconds, value["epoch_time"].get<double>());
    EXPECT_EQ(time.timezone.size(), 6u) << time.timezone;
    return 1;
  }
  if (is_binary(value)) {
    EXPECT_NO_THROW(to_binary(value)) << value.dump();
    return 1;
  }
  if (value.is_object() && value.value("$reql_type$", "") == "GROUPED_DATA") {
    json groups = ungroup_pseudotypes(value);
    EXPECT_TRUE(groups.is_array());
    EXPECT_EQ(groups.size(), value["data"].size());
    for (const auto& g : groups) EXPECT_TRUE(g.contains("group") && g.contains("reduction"));
    return 1;
  }
  if (value.is_structured())
    for (const auto& element : value) found += check_pseudotypes(element);
  return found;
}

}  // namespace

TEST(ResponseReplay, EveryRecordedResponseParsesIntoAValueOrTheRightError) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  auto cases = all_cases(fixtures);
  ASSERT_GE(cases.size(), 287u);
  int responses = 0, errors = 0, pseudotypes = 0, partials = 0, feeds = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    for (const auto& text : c.value("responses", json::array())) {
      ++responses;
      json raw = json::parse(text.get<std::string>());
      Response response = Response::parse(text.get<std::string>());
      EXPECT_EQ(static_cast<int>(response.type), raw["t"].get<int>());
      if (!response.is_error()) {
        EXPECT_EQ(response.results, raw["r"]);
        pseudotypes += check_pseudotypes(response.results);
        partials += response.is_partial();
        feeds += response.is_feed();
        continue;
      }
      ++errors;
      try {
        response.throw_error();
        ADD_FAILURE() << "no exception for " << text;
      } catch (const QueryError& e) {
        EXPECT_EQ(std::string(e.what()), raw["r"][0].get<std::string>());
        EXPECT_EQ(e.response_type(), raw["t"].get<int>());
        EXPECT_EQ(e.backtrace(), raw.value("b", json::array()).dump());
        bool right_class = raw["t"] == 16   ? dynamic_cast<const ClientError*>(&e) != nullptr
                           : raw["t"] == 17 ? dynamic_cast<const CompileError*>(&e) != nullptr
                                            : is_expected_class(e, raw.value("e", 0));
        EXPECT_TRUE(right_class) << typeid(e).name() << " for " << text;
      }
    }
  }
  // What the recordings hold (see their README): the replay must have met all of it.
  EXPECT_GE(responses, 287);
  EXPECT_GE(errors, 53);
  EXPECT_GE(pseudotypes, 20);
  EXPECT_GE(partials, 40);
  EXPECT_GE(feeds, 10);
}

TEST(ResponseReplay, ConvertsRecordedPseudoTypes) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  std::map<std::string, json> by_name;
  for (auto& c : read_cases(fixtures / "queries.jsonl")) by_name[c["name"]] = c;
  auto first_result = [&](const std::string& name) {
    return Response::parse(by_name.at(name)["responses"][0].get<std::string>()).results[0];
  };
  Time time = to_time(first_result("time_iso8601"));
  EXPECT_DOUBLE_EQ(time.epoch_seconds, 1234560690.123);
  EXPECT_EQ(time.timezone, "+02:00");
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(time.time_point().time_since_epoch()).count(),
            1234560690123);
  EXPECT_EQ(to_binary(first_result("binary_bytes")), std::string("\x00\x01\x02\xfd\xfe\xff", 6));
  EXPECT_EQ(to_binary(first_result("binary_empty")), "");
  EXPECT_EQ(to_binary(first_result("binary_from_string")), "h\xc3\xa9llo");
  json groups = ungroup_pseudotypes(first_result("group_index"));
  EXPECT_EQ(groups, json::parse(R"([{"group":"a","reduction":3},{"group":"b","reduction":2},)"
                                R"({"group":"c","reduction":2},{"group":"d","reduction":1}])"));
}

TEST(ResponseReplay, UngroupsGroupsWithinGroupsAndWithinRows) {
  json nested = json::parse(R"({"$reql_type$":"GROUPED_DATA","data":[)"
                            R"(["a",{"$reql_type$":"GROUPED_DATA","data":[[1,2]]}],)"
                            R"(["b",[{"x":{"$reql_type$":"GROUPED_DATA","data":[]}}]],["odd"]]})");
  EXPECT_EQ(ungroup_pseudotypes(nested), json::parse(R"([{"group":"a","reduction":[{"group":1,"reduction":2}]},)"
                                                     R"({"group":"b","reduction":[{"x":[]}]}])"));
  json plain = json::parse(R"({"a":[1,{"b":"c"}],"$reql_type$":"TIME","epoch_time":1})");
  EXPECT_EQ(ungroup_pseudotypes(plain), plain);
}

TEST(ResponseReplay, RecognisesChangefeeds) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  std::map<std::string, json> by_name;
  for (auto& c : read_cases(fixtures / "queries.jsonl")) by_name[c["name"]] = c;
  Response feed = Response::parse(by_name.at("changefeed_include_initial_states")["responses"][0].get<std::string>());
  EXPECT_TRUE(feed.is_partial());
  EXPECT_TRUE(feed.is_feed());
  EXPECT_EQ(feed.notes, (std::vector<ResponseNote>{ResponseNote::SEQUENCE_FEED, ResponseNote::INCLUDES_STATES}));
  Response atom = Response::parse(by_name.at("time_epoch")["responses"][0].get<std::string>());
  EXPECT_FALSE(atom.is_feed());
  EXPECT_THROW(Response::parse("not json"), ProtocolError);
  EXPECT_THROW(Response::parse(R"({"r":[]})"), ProtocolError);
}
