// read_json (RapidJSON's reader building nlohmann::json) reads what nlohmann::json::parse
// reads, with the same types, and refuses what it refuses.
#include <gtest/gtest.h>

#include <fstream>

#include "reql/json_reader.h"

#include "reql/errors.h"
#include "reql/response.h"
#include "support/fixtures.h"

using nlohmann::json;
using reql::read_json;
using reql::read_json_object;

namespace {

// Equal values and equal types all the way down (json's == takes 1 and 1u and 1.0 as equal).
void expect_same(const json& ours, const json& theirs, const std::string& where) {
  ASSERT_EQ(ours.type(), theirs.type()) << where << ": " << ours.dump() << " vs " << theirs.dump();
  if (ours.is_structured()) {
    ASSERT_EQ(ours.size(), theirs.size()) << where;
    if (ours.is_array())
      for (size_t i = 0; i < ours.size(); ++i) expect_same(ours[i], theirs[i], where + "[" + std::to_string(i) + "]");
    else
      for (const auto& [key, value] : theirs.items()) {
        ASSERT_TRUE(ours.contains(key)) << where << ": no " << key;
        expect_same(ours[key], value, where + "." + key);
      }
  } else {
    EXPECT_EQ(ours, theirs) << where;
  }
}

}  // namespace

TEST(JsonReader, ReadsWhatNlohmannReadsWithTheSameTypes) {
  const char* texts[] = {"null",
                         "true",
                         "false",
                         "0",
                         "-0",
                         "1",
                         "-1",
                         "4294967296",
                         "-4294967297",
                         "18446744073709551615",
                         "18446744073709551616",
                         "-9223372036854775808",
                         "-9223372036854775809",
                         "1.5",
                         "-2.5e-3",
                         "1e2",
                         "1E+2",
                         "1234560690.123",
                         "0.1",
                         "2.2250738585072014e-308",
                         "\"\"",
                         "\"Hello from Rethink\"",
                         R"("\u00e9t\u00e9 \ud83d\ude00 \" \\ \/ \b \f \n \r \t")",
                         R"("a\u0000b")",
                         "\"été 😀\"",
                         "[]",
                         "{}",
                         R"({"t":1,"r":["Hello from Rethink"],"n":[]})",
                         R"({"a":1,"a":2})",
                         R"({"":{"":[]}})",
                         R"([1,[2,[3,[4,[5,{"x":[6]}]]]]])",
                         " \t\n[ 1 , { \"k\" : null } ]\r\n ",
                         R"({"$reql_type$":"TIME","epoch_time":1234560690.123,"timezone":"+00:00"})"};
  for (const char* text : texts) expect_same(read_json(text), json::parse(text), text);
}

TEST(JsonReader, ReadsDeepNestingWithoutRecursion) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  json value = read_json(deep);
  ASSERT_TRUE(value.is_array());
  // Taken apart level by level: nlohmann's own destructor is not recursive either, but
  // the comparison below would be.
  size_t depth = 0;
  for (const json* level = &value; !level->empty(); level = &(*level)[0]) ++depth;
  EXPECT_EQ(depth, 99999u);
  // What a cursor does with every row next: that must not recurse either.
  json rows = reql::ungroup_pseudotypes(std::move(value));
  EXPECT_TRUE(rows.is_array());
}

TEST(JsonReader, RefusesWhatIsNotOneJsonValue) {
  const std::string texts[] = {"",         " ",  "[1,]", "{\"a\":}",       "[1] 2",    "{'a':1}",  "nul",
                               "01",       "1.", "NaN",  "\"unterminated", "\"\xff\"", "\"\xc3\"", "[\"\\ud83d\"]x",
                               "{\"a\" 1}"};
  for (const auto& text : texts) {
    EXPECT_THROW(read_json(text), reql::ProtocolError) << "read: " << text;
    EXPECT_TRUE(json::parse(text, nullptr, false).is_discarded()) << "nlohmann reads: " << text;
  }
}

TEST(JsonReader, ReadsEveryRecordedAnswerAsNlohmannDoes) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  std::ifstream cases(fixtures / "queries.jsonl");
  int answers = 0;
  for (std::string line; std::getline(cases, line);) {
    json recorded = json::parse(line);
    for (const auto& response : recorded.value("responses", json::array())) {
      std::string text = response.is_string() ? response.get<std::string>() : response.dump();
      expect_same(read_json(text), json::parse(text), recorded.value("name", "?"));
      ++answers;
    }
  }
  EXPECT_GT(answers, 287);
}

TEST(JsonReader, ReadsAnObjectsMembersIntoTheirSlots) {
  json t, r, missing;
  std::string text = R"({"t":1,"skipped":{"deep":[1,{"t":2}]},"r":[{"t":3,"r":[]},"x"],"r":["last"],"e":null})";
  read_json_object(text, {{"t", &t}, {"r", &r}, {"m", &missing}});
  expect_same(t, json::parse("1"), "t");
  expect_same(r, json::parse(R"(["last"])"), "r");  // a repeated member keeps its last value
  EXPECT_TRUE(missing.is_null());
  read_json_object(R"({"r":[{"t":3,"r":[[],{}]},"x"]})", {{"r", &r}});
  expect_same(r, json::parse(R"([{"t":3,"r":[[],{}]},"x"])"), "nested r");
  EXPECT_NO_THROW(read_json_object("{}", {{"t", &t}}));
}

TEST(JsonReader, AnObjectReadIsRefusedWhenTheTextIsNoObject) {
  json t;
  for (const char* text : {"[]", "[{\"t\":1}]", "1", "\"t\"", "null", "", "{\"t\":1", "{\"t\":1}}", "{\"t\":1} []"})
    EXPECT_THROW(read_json_object(text, {{"t", &t}}), reql::ProtocolError) << text;
}
