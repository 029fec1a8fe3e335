#include "js_expression.h"

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <vector>

namespace rsm::testing {

using reql::OptArgMap;
using reql::r;
using reql::Term;
using reql::TermType;
using Json = nlohmann::json;

namespace {

// ---- Syntax: a tree of the expression

struct Node {
  enum class Kind { Name, Literal, Array, Object, Lambda, Member, Call, NewDate };
  Kind kind;
  std::string name;                             // Name, Member (property), Object keys via `keys`
  Json literal;                                 // Literal
  std::vector<std::shared_ptr<Node>> children;  // Array items, Object values, Call args, Lambda body [0]
  std::vector<std::string> keys;                // Object keys, Lambda parameters
  std::shared_ptr<Node> target;                 // Member object, Call callee
};
using NodePtr = std::shared_ptr<Node>;

class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text) {}

  NodePtr parse() {
    NodePtr node = expression();
    skip_space();
    if (at_ < text_.size()) throw Unsupported("unexpected text: " + text_.substr(at_));
    return node;
  }

 private:
  void skip_space() {
    while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) ++at_;
  }
  bool accept(const std::string& token) {
    skip_space();
    if (text_.compare(at_, token.size(), token) != 0) return false;
    at_ += token.size();
    return true;
  }
  void expect(const std::string& token) {
    if (!accept(token)) throw Unsupported("expected '" + token + "' at: " + text_.substr(at_, 30));
  }
  std::string identifier() {
    skip_space();
    size_t start = at_;
    while (at_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[at_])) || text_[at_] == '_' || text_[at_] == '$'))
      ++at_;
    if (start == at_) throw Unsupported("expected a name at: " + text_.substr(at_, 30));
    return text_.substr(start, at_ - start);
  }
  bool peek_identifier() {
    skip_space();
    return at_ < text_.size() && (std::isalpha(static_cast<unsigned char>(text_[at_])) || text_[at_] == '_');
  }

  static NodePtr make(Node::Kind kind) { return std::make_shared<Node>(Node{kind, {}, {}, {}, {}, nullptr}); }

  NodePtr expression() {
    NodePtr node = primary();
    for (;;) {
      if (accept(".")) {
        auto member = make(Node::Kind::Member);
        member->name = identifier();
        member->target = node;
        node = member;
      } else if (peek("(")) {
        auto call = make(Node::Kind::Call);
        call->target = node;
        call->children = list(")");
        node = call;
      } else {
        return node;
      }
    }
  }

  bool peek(const std::string& token) {
    skip_space();
    return text_.compare(at_, token.size(), token) == 0;
  }

  // "(" a, b, c ")" -- the opening token is consumed here.
  std::vector<NodePtr> list(const std::string& close) {
    std::string open = close == ")" ? "(" : "[";
    expect(open);
    std::vector<NodePtr> items;
    if (accept(close)) return items;
    do items.push_back(expression());
    while (accept(","));
    expect(close);
    return items;
  }

  NodePtr lambda(std::vector<std::string> parameters) {
    auto node = make(Node::Kind::Lambda);
    node->keys = std::move(parameters);
    if (accept("{")) {
      expect("return");
      node->children.push_back(expression());
      accept(";");
      expect("}");
    } else {
      node->children.push_back(expression());
    }
    return node;
  }

  NodePtr primary() {
    skip_space();
    if (at_ >= text_.size()) throw Unsupported("unexpected end");
    char c = text_[at_];
    if (c == '\'' || c == '"') return string_literal();
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '-' && at_ + 1 < text_.size() && std::isdigit(static_cast<unsigned char>(text_[at_ + 1]))))
      return number();
    if (accept("[")) {
      at_--;
      auto array = make(Node::Kind::Array);
      array->children = list("]");
      return array;
    }
    if (accept("{")) return object();
    if (peek("(")) {
      // An arrow function's parameters, or a parenthesised expression.
      size_t saved = at_;
      expect("(");
      std::vector<std::string> parameters;
      bool names = true;
      if (!accept(")")) {
        do {
          if (!peek_identifier()) {
            names = false;
            break;
          }
          parameters.push_back(identifier());
        } while (accept(","));
        names = names && accept(")");
      }
      if (names && accept("=>")) return lambda(parameters);
      at_ = saved;
      expect("(");
      NodePtr inner = expression();
      expect(")");
      return inner;
    }
    std::string name = identifier();
    if (name == "true" || name == "false") return literal(name == "true");
    if (name == "null") return literal(nullptr);
    if (name == "function") {
      expect("(");
      std::vector<std::string> parameters;
      if (!accept(")")) {
        do parameters.push_back(identifier());
        while (accept(","));
        expect(")");
      }
      expect("{");
      at_--;
      return lambda(parameters);
    }
    if (name == "new") {
      if (identifier() != "Date") throw Unsupported("only new Date(ms) is understood");
      auto node = make(Node::Kind::NewDate);
      node->children = list(")");
      return node;
    }
    if (accept("=>")) return lambda({name});
    auto node = make(Node::Kind::Name);
    node->name = name;
    return node;
  }

  NodePtr literal(Json value) {
    auto node = make(Node::Kind::Literal);
    node->literal = std::move(value);
    return node;
  }

  NodePtr object() {
    auto node = make(Node::Kind::Object);
    if (accept("}")) return node;
    do {
      skip_space();
      std::string key =
          (text_[at_] == '\'' || text_[at_] == '"') ? string_literal()->literal.get<std::string>() : identifier();
      expect(":");
      node->keys.push_back(key);
      node->children.push_back(expression());
    } while (accept(","));
    expect("}");
    return node;
  }

  NodePtr number() {
    skip_space();
    size_t start = at_;
    if (text_[at_] == '-') ++at_;
    while (at_ < text_.size() &&
           (std::isdigit(static_cast<unsigned char>(text_[at_])) || text_[at_] == '.' || text_[at_] == 'e' ||
            text_[at_] == 'E' ||
            ((text_[at_] == '+' || text_[at_] == '-') && (text_[at_ - 1] == 'e' || text_[at_ - 1] == 'E'))))
      ++at_;
    // strtod, not stod: denormals (5e-324) are numbers too.
    double value = std::strtod(text_.substr(start, at_ - start).c_str(), nullptr);
    if (std::isinf(value)) throw Unsupported("a number beyond a double (JavaScript makes it Infinity)");
    if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0 && !(value == 0 && std::signbit(value)))
      return literal(static_cast<int64_t>(value));
    return literal(value == 0 ? 0.0 : value);  // JSON.stringify writes -0 as 0
  }

  // JavaScript string literal -> UTF-8 (\uXXXX with surrogate pairs, the usual escapes).
  NodePtr string_literal() {
    skip_space();
    char quote = text_[at_++];
    std::string out;
    while (at_ < text_.size() && text_[at_] != quote) {
      char c = text_[at_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      char e = text_[at_++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'v':
          out += '\v';
          break;
        case '0':
          out += '\0';
          break;
        case 'x':
          out += static_cast<char>(std::stoi(text_.substr(at_, 2), nullptr, 16)), at_ += 2;
          break;
        case 'u': {
          unsigned code = static_cast<unsigned>(std::stoi(text_.substr(at_, 4), nullptr, 16));
          at_ += 4;
          if (code >= 0xD800 && code < 0xDC00 && text_.compare(at_, 2, "\\u") == 0) {
            unsigned low = static_cast<unsigned>(std::stoi(text_.substr(at_ + 2, 4), nullptr, 16));
            at_ += 6;
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          } else if (code >= 0xD800 && code < 0xE000) {
            throw Unsupported("a lone surrogate has no UTF-8 form");
          }
          Json encoded = std::string();
          if (code < 0x80)
            out += static_cast<char>(code);
          else if (code < 0x800)
            out += static_cast<char>(0xC0 | (code >> 6)), out += static_cast<char>(0x80 | (code & 0x3F));
          else if (code < 0x10000)
            out += static_cast<char>(0xE0 | (code >> 12)), out += static_cast<char>(0x80 | ((code >> 6) & 0x3F)),
                out += static_cast<char>(0x80 | (code & 0x3F));
          else
            out += static_cast<char>(0xF0 | (code >> 18)), out += static_cast<char>(0x80 | ((code >> 12) & 0x3F)),
                out += static_cast<char>(0x80 | ((code >> 6) & 0x3F)), out += static_cast<char>(0x80 | (code & 0x3F));
          break;
        }
        default:
          out += e;
      }
    }
    ++at_;
    return literal(out);
  }

  const std::string& text_;
  size_t at_ = 0;
};

// ---- Meaning: evaluating the tree into terms

struct Value {
  enum class Kind { Term, Text, Array, Object, Lambda, R, Buffer, Bytes };
  Kind kind = Kind::Term;
  std::optional<Term> term;
  std::string text;               // Text, Bytes
  std::vector<Value> items;       // Array items, Object values
  std::vector<std::string> keys;  // Object keys
  NodePtr lambda;
  std::map<std::string, Term> scope;  // what a Lambda's body sees
};

// How a JS method becomes a term: its type, whether its arguments may be functions using
// r.row (the drivers wrap those), and after how many positional arguments a trailing
// object literal is the options.
struct Method {
  TermType type;
  bool wraps = false;
  int options_after = -1;  // -1: no options
};

const std::map<std::string, Method>& term_methods() {
  using T = TermType;
  static const std::map<std::string, Method> methods{{"table", {T::TABLE, false, 1}},
                                                     {"get", {T::GET}},
                                                     {"getAll", {T::GET_ALL, false, 1}},
                                                     {"between", {T::BETWEEN, false, 2}},
                                                     {"filter", {T::FILTER, true, 1}},
                                                     {"map", {T::MAP, true}},
                                                     {"concatMap", {T::CONCAT_MAP, true}},
                                                     {"orderBy", {T::ORDER_BY, true, 0}},
                                                     {"skip", {T::SKIP}},
                                                     {"limit", {T::LIMIT}},
                                                     {"slice", {T::SLICE, false, 1}},
                                                     {"nth", {T::NTH}},
                                                     {"count", {T::COUNT, true}},
                                                     {"sum", {T::SUM, true}},
                                                     {"avg", {T::AVG, true}},
                                                     {"min", {T::MIN, true, 0}},
                                                     {"max", {T::MAX, true, 0}},
                                                     {"group", {T::GROUP, true, 0}},
                                                     {"ungroup", {T::UNGROUP}},
                                                     {"reduce", {T::REDUCE, true}},
                                                     {"fold", {T::FOLD, true, 2}},
                                                     {"distinct", {T::DISTINCT, false, 0}},
                                                     {"pluck", {T::PLUCK}},
                                                     {"without", {T::WITHOUT}},
                                                     {"merge", {T::MERGE, true}},
                                                     {"hasFields", {T::HAS_FIELDS}},
                                                     {"withFields", {T::WITH_FIELDS}},
                                                     {"keys", {T::KEYS}},
                                                     {"values", {T::VALUES}},
                                                     {"insert", {T::INSERT, false, 1}},
                                                     {"update", {T::UPDATE, true, 1}},
                                                     {"replace", {T::REPLACE, true, 1}},
                                                     {"delete", {T::DELETE, false, 0}},
                                                     {"changes", {T::CHANGES, false, 0}},
                                                     {"tableCreate", {T::TABLE_CREATE, false, 1}},
                                                     {"tableDrop", {T::TABLE_DROP}},
                                                     {"tableList", {T::TABLE_LIST}},
                                                     {"indexCreate", {T::INDEX_CREATE, true, 1}},
                                                     {"indexDrop", {T::INDEX_DROP}},
                                                     {"indexList", {T::INDEX_LIST}},
                                                     {"indexStatus", {T::INDEX_STATUS}},
                                                     {"indexWait", {T::INDEX_WAIT}},
                                                     {"indexRename", {T::INDEX_RENAME, false, 2}},
                                                     {"add", {T::ADD}},
                                                     {"sub", {T::SUB}},
                                                     {"mul", {T::MUL}},
                                                     {"div", {T::DIV}},
                                                     {"mod", {T::MOD}},
                                                     {"eq", {T::EQ}},
                                                     {"ne", {T::NE}},
                                                     {"lt", {T::LT}},
                                                     {"le", {T::LE}},
                                                     {"gt", {T::GT}},
                                                     {"ge", {T::GE}},
                                                     {"and", {T::AND}},
                                                     {"or", {T::OR}},
                                                     {"not", {T::NOT}},
                                                     {"floor", {T::FLOOR}},
                                                     {"ceil", {T::CEIL}},
                                                     {"round", {T::ROUND}},
                                                     {"coerceTo", {T::COERCE_TO}},
                                                     {"typeOf", {T::TYPE_OF}},
                                                     {"default", {T::DEFAULT}},
                                                     {"append", {T::APPEND}},
                                                     {"prepend", {T::PREPEND}},
                                                     {"difference", {T::DIFFERENCE}},
                                                     {"setInsert", {T::SET_INSERT}},
                                                     {"setUnion", {T::SET_UNION}},
                                                     {"setIntersection", {T::SET_INTERSECTION}},
                                                     {"setDifference", {T::SET_DIFFERENCE}},
                                                     {"insertAt", {T::INSERT_AT}},
                                                     {"deleteAt", {T::DELETE_AT}},
                                                     {"changeAt", {T::CHANGE_AT}},
                                                     {"spliceAt", {T::SPLICE_AT}},
                                                     {"match", {T::MATCH}},
                                                     {"split", {T::SPLIT, true}},
                                                     {"upcase", {T::UPCASE}},
                                                     {"downcase", {T::DOWNCASE}},
                                                     {"toJSON", {T::TO_JSON_STRING}},
                                                     {"toJsonString", {T::TO_JSON_STRING}},
                                                     {"inTimezone", {T::IN_TIMEZONE}},
                                                     {"toISO8601", {T::TO_ISO8601}},
                                                     {"toEpochTime", {T::TO_EPOCH_TIME}},
                                                     {"year", {T::YEAR}},
                                                     {"month", {T::MONTH}},
                                                     {"day", {T::DAY}},
                                                     {"dayOfWeek", {T::DAY_OF_WEEK}},
                                                     {"dayOfYear", {T::DAY_OF_YEAR}},
                                                     {"hours", {T::HOURS}},
                                                     {"minutes", {T::MINUTES}},
                                                     {"seconds", {T::SECONDS}},
                                                     {"timezone", {T::TIMEZONE}},
                                                     {"date", {T::DATE}},
                                                     {"timeOfDay", {T::TIME_OF_DAY}},
                                                     {"during", {T::DURING, false, 2}},
                                                     {"distance", {T::DISTANCE, false, 1}},
                                                     {"eqJoin", {T::EQ_JOIN, true, 2}},
                                                     {"innerJoin", {T::INNER_JOIN}},
                                                     {"outerJoin", {T::OUTER_JOIN}},
                                                     {"zip", {T::ZIP}},
                                                     {"forEach", {T::FOR_EACH, true}},
                                                     {"union", {T::UNION, false, 1}},
                                                     {"config", {T::CONFIG}},
                                                     {"status", {T::STATUS}},
                                                     {"wait", {T::WAIT, false, 0}},
                                                     {"reconfigure", {T::RECONFIGURE, false, 0}},
                                                     {"rebalance", {T::REBALANCE}},
                                                     {"sync", {T::SYNC}},
                                                     {"info", {T::INFO}},
                                                     {"grant", {T::GRANT}},
                                                     {"isEmpty", {T::IS_EMPTY}},
                                                     {"contains", {T::CONTAINS, true}},
                                                     {"offsetsOf", {T::OFFSETS_OF, true}},
                                                     {"sample", {T::SAMPLE}},
                                                     {"getField", {T::GET_FIELD}}};
  return methods;
}

const std::map<std::string, Method>& r_methods() {
  using T = TermType;
  static const std::map<std::string, Method> methods{{"db", {T::DB}},
                                                     {"table", {T::TABLE, false, 1}},
                                                     {"dbCreate", {T::DB_CREATE}},
                                                     {"dbDrop", {T::DB_DROP}},
                                                     {"dbList", {T::DB_LIST}},
                                                     {"tableCreate", {T::TABLE_CREATE, false, 1}},
                                                     {"tableDrop", {T::TABLE_DROP}},
                                                     {"tableList", {T::TABLE_LIST}},
                                                     {"now", {T::NOW}},
                                                     {"time", {T::TIME}},
                                                     {"epochTime", {T::EPOCH_TIME}},
                                                     {"ISO8601", {T::ISO8601, false, 1}},
                                                     {"uuid", {T::UUID}},
                                                     {"range", {T::RANGE}},
                                                     {"js", {T::JAVASCRIPT, false, 1}},
                                                     {"json", {T::JSON}},
                                                     {"error", {T::ERROR}},
                                                     {"literal", {T::LITERAL}},
                                                     {"args", {T::ARGS}},
                                                     {"branch", {T::BRANCH}},
                                                     {"object", {T::OBJECT}},
                                                     {"desc", {T::DESC, true}},
                                                     {"asc", {T::ASC, true}},
                                                     {"point", {T::POINT}},
                                                     {"and", {T::AND}},
                                                     {"or", {T::OR}},
                                                     {"not", {T::NOT}},
                                                     {"random", {T::RANDOM, false, 0}},
                                                     {"wait", {T::WAIT, false, 0}},
                                                     {"grant", {T::GRANT}},
                                                     {"distance", {T::DISTANCE, false, 2}},
                                                     {"line", {T::LINE}},
                                                     {"polygon", {T::POLYGON}},
                                                     {"circle", {T::CIRCLE, false, 2}},
                                                     {"add", {T::ADD}},
                                                     {"sub", {T::SUB}},
                                                     {"mul", {T::MUL}},
                                                     {"div", {T::DIV}},
                                                     {"mod", {T::MOD}},
                                                     {"eq", {T::EQ}},
                                                     {"ne", {T::NE}},
                                                     {"lt", {T::LT}},
                                                     {"le", {T::LE}},
                                                     {"gt", {T::GT}},
                                                     {"ge", {T::GE}}};
  return methods;
}

std::string snake_case(const std::string& camel) {
  std::string out;
  for (char c : camel) {
    if (std::isupper(static_cast<unsigned char>(c)))
      out += '_', out += static_cast<char>(std::tolower(c));
    else
      out += c;
  }
  return out;
}

class Evaluator {
 public:
  Value evaluate(const NodePtr& node, const std::map<std::string, Term>& scope) {
    switch (node->kind) {
      case Node::Kind::Literal:
        if (node->literal.is_string()) return text(node->literal.get<std::string>());
        return term(Term(node->literal));
      case Node::Kind::Array: {
        Value array{.kind = Value::Kind::Array};
        for (const auto& child : node->children) array.items.push_back(evaluate(child, scope));
        return array;
      }
      case Node::Kind::Object: {
        Value object{.kind = Value::Kind::Object, .keys = node->keys};
        for (const auto& child : node->children) object.items.push_back(evaluate(child, scope));
        return object;
      }
      case Node::Kind::Lambda:
        return {.kind = Value::Kind::Lambda, .lambda = node, .scope = scope};
      case Node::Kind::NewDate: {
        auto millis = to_term(evaluate(node->children.at(0), scope)).json().get<int64_t>();
        return term(Term(std::chrono::system_clock::time_point(std::chrono::milliseconds(millis))));
      }
      case Node::Kind::Name: {
        if (node->name == "r") return {.kind = Value::Kind::R};
        if (node->name == "Buffer") return {.kind = Value::Kind::Buffer};
        auto bound = scope.find(node->name);
        if (bound == scope.end()) throw Unsupported("unknown name " + node->name);
        return term(bound->second);
      }
      case Node::Kind::Member: {
        Value target = evaluate(node->target, scope);
        if (target.kind == Value::Kind::R && node->name == "row") return term(r.row);
        if (target.kind == Value::Kind::R && node->name == "minval") return term(r.minval);
        if (target.kind == Value::Kind::R && node->name == "maxval") return term(r.maxval);
        throw Unsupported("property ." + node->name);
      }
      case Node::Kind::Call:
        return call(node, scope);
    }
    throw Unsupported("expression");
  }

  Term to_term(const Value& value) {
    switch (value.kind) {
      case Value::Kind::Term:
        return *value.term;
      case Value::Kind::Text:
        return Term(value.text);
      case Value::Kind::Bytes:
        return r.binary(value.text);
      case Value::Kind::Array: {
        std::vector<Term> items;
        for (const auto& item : value.items) items.push_back(to_term(item));
        return Term::make(TermType::MAKE_ARRAY, std::move(items));
      }
      case Value::Kind::Object: {
        Json object = Json::object();
        for (size_t i = 0; i < value.keys.size(); ++i) object[value.keys[i]] = to_term(value.items[i]).json();
        return Term::raw(std::move(object));
      }
      case Value::Kind::Lambda: {
        auto ids = Term::fresh_variables(static_cast<int>(value.lambda->keys.size()));
        auto scope = value.scope;
        for (size_t i = 0; i < ids.size(); ++i) scope.insert_or_assign(value.lambda->keys[i], Term::variable(ids[i]));
        return Term::function(ids, to_term(evaluate(value.lambda->children.at(0), scope)));
      }
      default:
        throw Unsupported("a value that is not a term");
    }
  }

 private:
  static Value term(Term t) { return {.kind = Value::Kind::Term, .term = std::move(t)}; }
  static Value text(std::string s) { return {.kind = Value::Kind::Text, .text = std::move(s)}; }

  Value call(const NodePtr& node, const std::map<std::string, Term>& scope) {
    std::vector<Value> args;
    for (const auto& child : node->children) args.push_back(evaluate(child, scope));
    if (node->target->kind != Node::Kind::Member) {  // term(field): BRACKET
      Value callee = evaluate(node->target, scope);
      if (args.size() != 1) throw Unsupported("a call of a term with " + std::to_string(args.size()) + " arguments");
      return term(Term::make(TermType::BRACKET, {to_term(callee), to_term(args[0])}));
    }
    const std::string& name = node->target->name;
    Value self = evaluate(node->target->target, scope);
    switch (self.kind) {
      case Value::Kind::Buffer:
        return buffer(name, args);
      case Value::Kind::Text:
        if (name == "repeat") {
          std::string out;
          for (int i = 0; i < to_term(args.at(0)).json().get<int>(); ++i) out += self.text;
          return text(out);
        }
        throw Unsupported("string method " + name);
      case Value::Kind::R:
        return r_call(name, args);
      default:
        return term(method(to_term(self), name, args));
    }
  }

  Value buffer(const std::string& name, const std::vector<Value>& args) {
    if (name == "alloc")
      return {.kind = Value::Kind::Bytes, .text = std::string(to_term(args.at(0)).json().get<size_t>(), '\0')};
    if (name != "from") throw Unsupported("Buffer." + name);
    const Value& source = args.at(0);
    std::string bytes;
    if (source.kind == Value::Kind::Array) {
      for (const auto& item : source.items) bytes += static_cast<char>(to_term(item).json().get<int>());
    } else if (source.kind == Value::Kind::Text) {
      bool latin1 = args.size() > 1 && args[1].kind == Value::Kind::Text && args[1].text == "latin1";
      if (!latin1)
        bytes = source.text;
      else
        for (size_t i = 0; i < source.text.size(); ++i) {  // UTF-8 back to one byte per code point
          unsigned char c = static_cast<unsigned char>(source.text[i]);
          if (c < 0x80)
            bytes += static_cast<char>(c);
          else
            bytes += static_cast<char>(((c & 0x1F) << 6) | (static_cast<unsigned char>(source.text[++i]) & 0x3F));
        }
    } else {
      throw Unsupported("Buffer.from of this value");
    }
    return {.kind = Value::Kind::Bytes, .text = bytes};
  }

  Value r_call(const std::string& name, std::vector<Value> args) {
    if (name == "row") return term(Term::make(TermType::BRACKET, {r.row, to_term(args.at(0))}));  // r.row('field')
    if (name == "expr") return term(to_term(args.at(0)));
    if (name == "binary") return term(to_term(args.at(0)));
    if (name == "do") {
      Term function = Term::wrap_implicit(to_term(args.back()));
      std::vector<Term> terms{function};
      for (size_t i = 0; i + 1 < args.size(); ++i) terms.push_back(to_term(args[i]));
      return term(Term::make(TermType::FUNCALL, std::move(terms)));
    }
    auto found = r_methods().find(name);
    if (found == r_methods().end()) throw Unsupported("r." + name);
    return term(build(found->second, std::nullopt, std::move(args)));
  }

  Term method(const Term& self, const std::string& name, std::vector<Value> args) {
    if (name == "do") {
      Term function = Term::wrap_implicit(to_term(args.back()));
      std::vector<Term> terms{function, self};
      for (size_t i = 0; i + 1 < args.size(); ++i) terms.push_back(to_term(args[i]));
      return Term::make(TermType::FUNCALL, std::move(terms));
    }
    auto found = term_methods().find(name);
    if (found == term_methods().end()) throw Unsupported("." + name + "()");
    return build(found->second, self, std::move(args));
  }

  Term build(const Method& method, const std::optional<Term>& self, std::vector<Value> args) {
    OptArgMap options;
    if (method.options_after >= 0 && static_cast<int>(args.size()) > method.options_after &&
        args.back().kind == Value::Kind::Object) {
      const Value& object = args.back();
      for (size_t i = 0; i < object.keys.size(); ++i)
        options.emplace(snake_case(object.keys[i]), to_term(object.items[i]));
      args.pop_back();
    }
    std::vector<Term> terms;
    if (self) terms.push_back(*self);
    for (const auto& arg : args) terms.push_back(method.wraps ? Term::wrap_implicit(to_term(arg)) : to_term(arg));
    return Term::make(method.type, std::move(terms), options);
  }
};

}  // namespace

Term term_from_javascript(const std::string& source) {
  Evaluator evaluator;
  return evaluator.to_term(evaluator.evaluate(Parser(source).parse(), {}));
}

}  // namespace rsm::testing
