// A small recursive-descent parser from the JavaScript-like text to term JSON: see
// reql_text.h.
#include "db/shell/reql_text.h"

#include <cctype>
#include <map>
#include <set>

#include <fmt/format.h>

#include "reql/protocol.h"
#include "util/error.h"

namespace rsm::db::shell {

using nlohmann::json;
using reql::TermType;

namespace {

// Every term of the protocol by its name in lower case (and the JavaScript driver's
// toJSON and do).
const std::map<std::string, TermType>& term_names() {
  static const std::map<std::string, TermType> names{
      {"add", TermType::ADD},
      {"and", TermType::AND},
      {"append", TermType::APPEND},
      {"april", TermType::APRIL},
      {"args", TermType::ARGS},
      {"asc", TermType::ASC},
      {"august", TermType::AUGUST},
      {"avg", TermType::AVG},
      {"between", TermType::BETWEEN},
      {"binary", TermType::BINARY},
      {"bit_and", TermType::BIT_AND},
      {"bit_not", TermType::BIT_NOT},
      {"bit_or", TermType::BIT_OR},
      {"bit_sal", TermType::BIT_SAL},
      {"bit_sar", TermType::BIT_SAR},
      {"bit_xor", TermType::BIT_XOR},
      {"bracket", TermType::BRACKET},
      {"branch", TermType::BRANCH},
      {"ceil", TermType::CEIL},
      {"change_at", TermType::CHANGE_AT},
      {"changes", TermType::CHANGES},
      {"circle", TermType::CIRCLE},
      {"coerce_to", TermType::COERCE_TO},
      {"concat_map", TermType::CONCAT_MAP},
      {"config", TermType::CONFIG},
      {"contains", TermType::CONTAINS},
      {"count", TermType::COUNT},
      {"date", TermType::DATE},
      {"day", TermType::DAY},
      {"day_of_week", TermType::DAY_OF_WEEK},
      {"day_of_year", TermType::DAY_OF_YEAR},
      {"db", TermType::DB},
      {"db_create", TermType::DB_CREATE},
      {"db_drop", TermType::DB_DROP},
      {"db_list", TermType::DB_LIST},
      {"december", TermType::DECEMBER},
      {"default", TermType::DEFAULT},
      {"delete", TermType::DELETE},
      {"delete_at", TermType::DELETE_AT},
      {"desc", TermType::DESC},
      {"difference", TermType::DIFFERENCE},
      {"distance", TermType::DISTANCE},
      {"distinct", TermType::DISTINCT},
      {"div", TermType::DIV},
      {"do", TermType::FUNCALL},
      {"downcase", TermType::DOWNCASE},
      {"during", TermType::DURING},
      {"epoch_time", TermType::EPOCH_TIME},
      {"eq", TermType::EQ},
      {"eq_join", TermType::EQ_JOIN},
      {"error", TermType::ERROR},
      {"february", TermType::FEBRUARY},
      {"fill", TermType::FILL},
      {"filter", TermType::FILTER},
      {"floor", TermType::FLOOR},
      {"fold", TermType::FOLD},
      {"for_each", TermType::FOR_EACH},
      {"friday", TermType::FRIDAY},
      {"funcall", TermType::FUNCALL},
      {"ge", TermType::GE},
      {"geojson", TermType::GEOJSON},
      {"get", TermType::GET},
      {"get_all", TermType::GET_ALL},
      {"get_field", TermType::GET_FIELD},
      {"get_intersecting", TermType::GET_INTERSECTING},
      {"get_nearest", TermType::GET_NEAREST},
      {"get_write_hook", TermType::GET_WRITE_HOOK},
      {"grant", TermType::GRANT},
      {"group", TermType::GROUP},
      {"gt", TermType::GT},
      {"has_fields", TermType::HAS_FIELDS},
      {"hours", TermType::HOURS},
      {"http", TermType::HTTP},
      {"in_timezone", TermType::IN_TIMEZONE},
      {"includes", TermType::INCLUDES},
      {"index_create", TermType::INDEX_CREATE},
      {"index_drop", TermType::INDEX_DROP},
      {"index_list", TermType::INDEX_LIST},
      {"index_rename", TermType::INDEX_RENAME},
      {"index_status", TermType::INDEX_STATUS},
      {"index_wait", TermType::INDEX_WAIT},
      {"info", TermType::INFO},
      {"inner_join", TermType::INNER_JOIN},
      {"insert", TermType::INSERT},
      {"insert_at", TermType::INSERT_AT},
      {"intersects", TermType::INTERSECTS},
      {"is_empty", TermType::IS_EMPTY},
      {"iso8601", TermType::ISO8601},
      {"january", TermType::JANUARY},
      {"javascript", TermType::JAVASCRIPT},
      {"json", TermType::JSON},
      {"july", TermType::JULY},
      {"june", TermType::JUNE},
      {"keys", TermType::KEYS},
      {"le", TermType::LE},
      {"limit", TermType::LIMIT},
      {"line", TermType::LINE},
      {"literal", TermType::LITERAL},
      {"lt", TermType::LT},
      {"map", TermType::MAP},
      {"march", TermType::MARCH},
      {"match", TermType::MATCH},
      {"max", TermType::MAX},
      {"maxval", TermType::MAXVAL},
      {"may", TermType::MAY},
      {"merge", TermType::MERGE},
      {"min", TermType::MIN},
      {"minutes", TermType::MINUTES},
      {"minval", TermType::MINVAL},
      {"mod", TermType::MOD},
      {"monday", TermType::MONDAY},
      {"month", TermType::MONTH},
      {"mul", TermType::MUL},
      {"ne", TermType::NE},
      {"not", TermType::NOT},
      {"november", TermType::NOVEMBER},
      {"now", TermType::NOW},
      {"nth", TermType::NTH},
      {"object", TermType::OBJECT},
      {"october", TermType::OCTOBER},
      {"offsets_of", TermType::OFFSETS_OF},
      {"or", TermType::OR},
      {"order_by", TermType::ORDER_BY},
      {"outer_join", TermType::OUTER_JOIN},
      {"pluck", TermType::PLUCK},
      {"point", TermType::POINT},
      {"polygon", TermType::POLYGON},
      {"polygon_sub", TermType::POLYGON_SUB},
      {"prepend", TermType::PREPEND},
      {"random", TermType::RANDOM},
      {"range", TermType::RANGE},
      {"rebalance", TermType::REBALANCE},
      {"reconfigure", TermType::RECONFIGURE},
      {"reduce", TermType::REDUCE},
      {"replace", TermType::REPLACE},
      {"round", TermType::ROUND},
      {"sample", TermType::SAMPLE},
      {"saturday", TermType::SATURDAY},
      {"seconds", TermType::SECONDS},
      {"september", TermType::SEPTEMBER},
      {"set_difference", TermType::SET_DIFFERENCE},
      {"set_insert", TermType::SET_INSERT},
      {"set_intersection", TermType::SET_INTERSECTION},
      {"set_union", TermType::SET_UNION},
      {"set_write_hook", TermType::SET_WRITE_HOOK},
      {"skip", TermType::SKIP},
      {"slice", TermType::SLICE},
      {"splice_at", TermType::SPLICE_AT},
      {"split", TermType::SPLIT},
      {"status", TermType::STATUS},
      {"sub", TermType::SUB},
      {"sum", TermType::SUM},
      {"sunday", TermType::SUNDAY},
      {"sync", TermType::SYNC},
      {"table", TermType::TABLE},
      {"table_create", TermType::TABLE_CREATE},
      {"table_drop", TermType::TABLE_DROP},
      {"table_list", TermType::TABLE_LIST},
      {"thursday", TermType::THURSDAY},
      {"time", TermType::TIME},
      {"time_of_day", TermType::TIME_OF_DAY},
      {"timezone", TermType::TIMEZONE},
      {"to_epoch_time", TermType::TO_EPOCH_TIME},
      {"to_geojson", TermType::TO_GEOJSON},
      {"to_iso8601", TermType::TO_ISO8601},
      {"to_json", TermType::TO_JSON_STRING},
      {"to_json_string", TermType::TO_JSON_STRING},
      {"tuesday", TermType::TUESDAY},
      {"type_of", TermType::TYPE_OF},
      {"ungroup", TermType::UNGROUP},
      {"union", TermType::UNION},
      {"upcase", TermType::UPCASE},
      {"update", TermType::UPDATE},
      {"uuid", TermType::UUID},
      {"values", TermType::VALUES},
      {"wait", TermType::WAIT},
      {"wednesday", TermType::WEDNESDAY},
      {"with_fields", TermType::WITH_FIELDS},
      {"without", TermType::WITHOUT},
      {"year", TermType::YEAR},
      {"zip", TermType::ZIP},
  };
  return names;
}

// Terms whose last argument, an object literal, is their optional arguments, after this
// many positional ones (-1: any number).
const std::map<std::string, int>& optarg_positions() {
  static const std::map<std::string, int> positions{
      {"table", 1},    {"table_create", 1}, {"insert", 1},   {"update", 1},    {"replace", 1},      {"delete", 0},
      {"between", 2},  {"reconfigure", 0},  {"get_all", -1}, {"order_by", -1}, {"index_create", 1}, {"changes", 0},
      {"distinct", 0}, {"slice", 2},        {"wait", 0},     {"http", 1},      {"random", -1}};
  return positions;
}

std::string snake_case(const std::string& name) {
  // getAll -> get_all, toISO8601 -> to_iso8601: a capital after a small letter starts a word.
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (i > 0 && std::islower(static_cast<unsigned char>(name[i - 1]))) out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text) {}

  json parse() {
    json term = expression();
    skip_space();
    if (at_ < text_.size()) fail("unexpected text");
    return term;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw UsageError(fmt::format("{} at column {}: {}", what, at_ + 1, text_.substr(at_, 20)));
  }
  void skip_space() {
    while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) ++at_;
  }
  bool take(char c) {
    skip_space();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!take(c)) fail(fmt::format("expected '{}'", c));
  }
  std::string identifier() {
    skip_space();
    size_t start = at_;
    while (at_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[at_])) || text_[at_] == '_')) ++at_;
    if (start == at_) fail("expected a name");
    return text_.substr(start, at_ - start);
  }

  // A term: a value, then any calls of methods or brackets on it.
  json expression() {
    json term = primary();
    for (;;) {
      if (take('.')) {
        term = call(identifier(), json::array({term}));
      } else if (take('(')) {
        json args = arguments();
        if (args.size() != 1) fail("t(field) takes one field");
        term = json::array({static_cast<int>(TermType::BRACKET), json::array({term, args[0]})});
      } else {
        return term;
      }
    }
  }

  json primary() {
    skip_space();
    if (at_ >= text_.size()) fail("expected a term");
    char c = text_[at_];
    if (c == '(') {
      ++at_;
      json term = expression();
      expect(')');
      return term;
    }
    if (c == '[') return array();
    if (c == '{') return object();
    if (c == '"' || c == '\'') return string();
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) return number();
    std::string name = identifier();
    if (name == "true" || name == "false") return name == "true";
    if (name == "null") return nullptr;
    if (name != "r") fail(fmt::format("unknown name '{}': terms start with r", name));
    expect('.');
    std::string method = identifier();
    if (method == "row") fail("r.row is not taken: write the term in JSON");
    if (method == "expr") {
      expect('(');
      json args = arguments();
      if (args.size() != 1) fail("r.expr takes one value");
      return args[0];
    }
    return call(method, json::array());
  }

  // The term `name` with `args` (its receiver, none for r.name) and the arguments in
  // parentheses that follow.
  json call(const std::string& name, json args) {
    std::string key = snake_case(name);
    auto found = term_names().find(key);
    if (found == term_names().end()) fail(fmt::format("no term '{}'", name));
    expect('(');
    json given = arguments();
    json optargs = json::object();
    if (auto position = optarg_positions().find(key); position != optarg_positions().end() && !given.empty()) {
      bool literal = last_was_object_literal_;
      int positional = static_cast<int>(given.size()) - 1;
      if (literal && given.back().is_object() && (position->second < 0 || positional >= position->second)) {
        optargs = given.back();
        given.erase(given.end() - 1);
      }
    }
    for (auto& arg : given) args.push_back(std::move(arg));
    json term = json::array({static_cast<int>(found->second), args});
    if (!optargs.empty()) term.push_back(optargs);
    return term;
  }

  // The arguments up to the closing parenthesis (the opening one taken).
  json arguments() {
    json args = json::array();
    last_was_object_literal_ = false;
    if (take(')')) return args;
    do {
      skip_space();
      bool literal = at_ < text_.size() && text_[at_] == '{';
      args.push_back(expression());
      last_was_object_literal_ = literal;
    } while (take(','));
    expect(')');
    return args;
  }

  json array() {
    expect('[');
    json items = json::array();
    if (!take(']')) {
      do items.push_back(expression());
      while (take(','));
      expect(']');
    }
    return json::array({static_cast<int>(TermType::MAKE_ARRAY), items});
  }

  // An object literal: its values are terms (the protocol takes a JSON object so).
  json object() {
    expect('{');
    json fields = json::object();
    if (!take('}')) {
      do {
        skip_space();
        std::string key = at_ < text_.size() && (text_[at_] == '"' || text_[at_] == '\'') ? string().get<std::string>()
                                                                                          : identifier();
        expect(':');
        fields[key] = expression();
      } while (take(','));
      expect('}');
    }
    return fields;
  }

  json string() {
    char quote = text_[at_++];
    std::string out;
    while (at_ < text_.size() && text_[at_] != quote) {
      char c = text_[at_++];
      if (c == '\\' && at_ < text_.size()) {
        char escaped = text_[at_++];
        out += escaped == 'n' ? '\n' : escaped == 't' ? '\t' : escaped;
      } else {
        out += c;
      }
    }
    if (at_ >= text_.size()) fail("a string without its closing quote");
    ++at_;
    return out;
  }

  json number() {
    size_t used = 0;
    double value = 0;
    try {
      value = std::stod(text_.substr(at_), &used);
    } catch (const std::exception&) {
      fail("expected a number");
    }
    std::string spelled = text_.substr(at_, used);
    at_ += used;
    if (spelled.find_first_of(".eE") == std::string::npos) return static_cast<long long>(value);
    return value;
  }

  const std::string& text_;
  size_t at_ = 0;
  bool last_was_object_literal_ = false;
};

}  // namespace

json parse_reql(const std::string& text) {
  // The wire form: a JSON array whose first element is a term number.
  if (text.find_first_not_of(" \t") != std::string::npos && text[text.find_first_not_of(" \t")] == '[') {
    json parsed = json::parse(text, nullptr, false);
    if (!parsed.is_discarded() && parsed.is_array() && !parsed.empty() && parsed[0].is_number_integer()) return parsed;
  }
  return Parser(text).parse();
}

}  // namespace rsm::db::shell
