// (b) of the driver's replay tests: every recorded query our builder can express is built
// from the JavaScript it was written in, and must equal, as JSON, the term a real session
// sent (../shared/fixtures/reql/queries.jsonl).
#include <gtest/gtest.h>

#include <fstream>

#include "js_expression.h"
#include "support/fixtures.h"
#include "term_normalize.h"

using nlohmann::json;

TEST(RecordedQueries, OurBuilderMakesTheRecordedTerms) {
  RSM_REQUIRE_REQL_FIXTURES(fixtures);
  std::ifstream in(fixtures / "queries.jsonl");
  int built = 0, not_expressible = 0;
  std::string skipped;
  for (std::string line; std::getline(in, line);) {
    json c = json::parse(line);
    if (!c["js"].is_string() || c.value("driver_check", "").rfind("raw", 0) == 0) continue;
    json query = json::parse(c["query"].get<std::string>(), nullptr, false);
    if (query.is_discarded() || query[0] != 1) continue;  // NOREPLY_WAIT, SERVER_INFO
    std::string name = c["name"];
    try {
      reql::Term term = rsm::testing::term_from_javascript(c["js"].get<std::string>());
      EXPECT_EQ(rsm::testing::normalize_variables(term.json()), rsm::testing::normalize_variables(query[1]))
          << name << ": " << c["js"].get<std::string>() << "\nours:     " << term.dump()
          << "\nrecorded: " << query[1].dump();
      ++built;
    } catch (const rsm::testing::Unsupported& e) {
      ++not_expressible;
      skipped += "\n  " + name + " (" + e.what() + ")";
    }
  }
  std::printf("built %d recorded queries; %d not expressible:%s\n", built, not_expressible, skipped.c_str());
  // The two left use JavaScript itself (Array.from, .length), not ReQL.
  EXPECT_GE(built, 269);
}
