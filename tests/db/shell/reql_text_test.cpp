// What `rsm db shell` makes of a line: the JavaScript driver's syntax for common terms,
// or the wire protocol's JSON, as terms; and one line saying where a line went wrong.
#include "db/shell/reql_text.h"

#include <gtest/gtest.h>

#include "reql/protocol.h"
#include "util/error.h"

using nlohmann::json;
using reql::TermType;
using rsm::db::shell::parse_reql;

namespace {

int type(TermType t) { return static_cast<int>(t); }

json term(TermType t, json args, json optargs = nullptr) {
  json out = json::array({type(t), std::move(args)});
  if (!optargs.is_null()) out.push_back(std::move(optargs));
  return out;
}

std::string error_of(const std::string& text) {
  try {
    parse_reql(text);
  } catch (const rsm::UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(ReqlText, ChainsOfMethodsBecomeNestedTerms) {
  EXPECT_EQ(parse_reql("r.expr(1).add(2)"), term(TermType::ADD, {1, 2}));
  json orders = term(TermType::TABLE, json::array({term(TermType::DB, {"shop"}), "orders"}));
  EXPECT_EQ(parse_reql("r.db('shop').table(\"orders\").get(1)"), term(TermType::GET, json::array({orders, 1})));
  EXPECT_EQ(parse_reql(" r.db('shop') . table('orders') .count() "), term(TermType::COUNT, json::array({orders})));
  EXPECT_EQ(parse_reql("r.db('shop').table('orders').get(1)('name')"),
            term(TermType::BRACKET, json::array({term(TermType::GET, json::array({orders, 1})), "name"})));
}

TEST(ReqlText, LiteralsCamelCaseAndOptionalArguments) {
  json table = term(TermType::TABLE, {"t"});
  EXPECT_EQ(parse_reql("r.table('t').filter({city: 'Oslo', 'max age': 40.5})"),
            term(TermType::FILTER, json::array({table, {{"city", "Oslo"}, {"max age", 40.5}}})));
  EXPECT_EQ(parse_reql("r.table('t').orderBy({index: 'id'})"),
            term(TermType::ORDER_BY, json::array({table}), {{"index", "id"}}));
  EXPECT_EQ(
      parse_reql("r.table('t').insert([{a: 1}, {a: -2}], {conflict: 'replace'})"),
      term(TermType::INSERT, json::array({table, term(TermType::MAKE_ARRAY, json::array({{{"a", 1}}, {{"a", -2}}}))}),
           {{"conflict", "replace"}}));
  // An object that is the data, not the options: insert's first argument.
  EXPECT_EQ(parse_reql("r.table('t').insert({a: true, b: null})"),
            term(TermType::INSERT, json::array({table, {{"a", true}, {"b", nullptr}}})));
  EXPECT_EQ(parse_reql("r.table('t').getAll('x', 'y', {index: 'name'})"),
            term(TermType::GET_ALL, json::array({table, "x", "y"}), {{"index", "name"}}));
  EXPECT_EQ(parse_reql("r.now().toISO8601()"), term(TermType::TO_ISO8601, json::array({term(TermType::NOW, json::array())})));
}

TEST(ReqlText, TheWireFormIsTakenAsItIs) { EXPECT_EQ(parse_reql("[24, [1, 2]]"), term(TermType::ADD, {1, 2})); }

TEST(ReqlText, SaysWhereALineGoesWrong) {
  EXPECT_EQ(error_of("r.nope(1)"), "no term 'nope' at column 7: (1)");
  EXPECT_EQ(error_of("users.count()"), "unknown name 'users': terms start with r at column 6: .count()");
  EXPECT_EQ(error_of("r.row('age')"), "r.row is not taken: write the term in JSON at column 6: ('age')");
  EXPECT_EQ(error_of("r.expr(1"), "expected ')' at column 9: ");
  EXPECT_EQ(error_of("r.expr('open)"), "a string without its closing quote at column 14: ");
}
