// Terms as the JSON the server reads: [type, [args], {optargs}], with literal arrays
// wrapped in MAKE_ARRAY and lambdas made into FUNC terms with numbered variables.
#include "reql/term.h"

#include <atomic>
#include <cstdio>
#include <ctime>

#include "reql/base64.h"

namespace reql {

using Json = nlohmann::json;

namespace {

using T = TermType;

Json datum(const Json& value) {
  if (value.is_array()) {
    Json elements = Json::array();
    for (const auto& element : value) elements.push_back(datum(element));
    return Json::array({static_cast<int>(T::MAKE_ARRAY), elements});
  }
  if (value.is_object()) {
    Json object = Json::object();
    for (const auto& [key, element] : value.items()) object[key] = datum(element);
    return object;
  }
  return value;
}

bool uses_implicit_var(const Json& built) {
  if (built.is_object()) {
    for (const auto& [key, value] : built.items())
      if (uses_implicit_var(value)) return true;
    return false;
  }
  if (!built.is_array() || built.empty() || !built[0].is_number_integer()) return false;
  int type = built[0].get<int>();
  if (type == static_cast<int>(T::IMPLICIT_VAR)) return true;
  // A function already binds its own r.row: a term holding one is not wrapped again.
  if (type == static_cast<int>(T::FUNC)) return false;
  // [type, [args...], {optargs}?]: look inside the arguments and the optargs.
  for (size_t i = 1; i < built.size(); ++i) {
    const Json& part = built[i];
    if (part.is_array()) {
      for (const auto& arg : part)
        if (uses_implicit_var(arg)) return true;
    } else if (uses_implicit_var(part)) {
      return true;
    }
  }
  return false;
}

std::atomic<int> next_variable{1};

}  // namespace

Term::Term(const Json& value) : json_(datum(value)) {}

Term::Term(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  auto since_epoch = duration_cast<milliseconds>(time.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(since_epoch / 1000);
  if (since_epoch % 1000 < 0) --seconds;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  int millis = static_cast<int>(((since_epoch % 1000) + 1000) % 1000);
  std::snprintf(text + length, sizeof text - length, ".%03dZ", millis);
  json_ = make(T::ISO8601, {Term(std::string(text))}).json_;
}

Term Term::make(TermType type, std::vector<Term> args, OptArgs optargs) {
  return make(type, std::move(args), OptArgMap(optargs.begin(), optargs.end()));
}

Term Term::make(TermType type, std::vector<Term> args, const OptArgMap& optargs) {
  Json built_args = Json::array();
  for (auto& arg : args) built_args.push_back(std::move(arg.json_));
  Json built = Json::array({static_cast<int>(type), std::move(built_args)});
  if (!optargs.empty()) {
    Json options = Json::object();
    for (const auto& [name, value] : optargs) options[name] = value.json_;
    built.push_back(std::move(options));
  }
  return raw(std::move(built));
}

Term Term::raw(Json built) {
  Term term(nullptr);
  term.json_ = std::move(built);
  return term;
}

std::vector<int> Term::fresh_variables(int count) {
  std::vector<int> ids;
  for (int i = 0; i < count; ++i) ids.push_back(next_variable++);
  return ids;
}

Term Term::variable(int id) { return make(T::VAR, {id}); }

Term Term::function(const std::vector<int>& variables, const Term& body) {
  return make(T::FUNC, {make(T::MAKE_ARRAY, {variables.begin(), variables.end()}), body});
}

Term Term::wrap_implicit(const Term& term) {
  // The function gets a fresh parameter; its body keeps using r.row, which the server
  // binds to that one parameter.
  return uses_implicit_var(term.json_) ? function(fresh_variables(1), term) : term;
}

// ---- Selecting and reading
Term Term::table(Term name, OptArgs options) const { return make(T::TABLE, {*this, std::move(name)}, options); }
Term Term::get(Term key) const { return make(T::GET, {*this, std::move(key)}); }
Term Term::get_all_by(OptArgs options, std::vector<Term> keys) const {
  keys.insert(keys.begin(), *this);
  return make(T::GET_ALL, std::move(keys), options);
}
Term Term::between(Term lower, Term upper, OptArgs options) const {
  return make(T::BETWEEN, {*this, std::move(lower), std::move(upper)}, options);
}
Term Term::filter(Term predicate, OptArgs options) const {
  return make(T::FILTER, {*this, wrap_implicit(predicate)}, options);
}
Term Term::operator[](Term field_or_index) const { return make(T::BRACKET, {*this, std::move(field_or_index)}); }
Term Term::get_field(Term field) const { return make(T::GET_FIELD, {*this, std::move(field)}); }
Term Term::nth(Term index) const { return make(T::NTH, {*this, std::move(index)}); }
Term Term::keys() const { return make(T::KEYS, {*this}); }
Term Term::values() const { return make(T::VALUES, {*this}); }

// ---- Transforming sequences
Term Term::map(Term function) const { return make(T::MAP, {*this, wrap_implicit(function)}); }
Term Term::concat_map(Term function) const { return make(T::CONCAT_MAP, {*this, wrap_implicit(function)}); }
Term Term::order_by(std::vector<Term> keys, OptArgs options) const {
  std::vector<Term> args{*this};
  for (auto& key : keys) args.push_back(wrap_implicit(key));
  return make(T::ORDER_BY, std::move(args), options);
}
Term Term::order_by(Term key) const { return order_by(std::vector<Term>{std::move(key)}); }
Term Term::skip(Term count) const { return make(T::SKIP, {*this, std::move(count)}); }
Term Term::limit(Term count) const { return make(T::LIMIT, {*this, std::move(count)}); }
Term Term::slice(Term start, OptArgs options) const { return make(T::SLICE, {*this, std::move(start)}, options); }
Term Term::slice(Term start, Term end, OptArgs options) const {
  return make(T::SLICE, {*this, std::move(start), std::move(end)}, options);
}
Term Term::offsets_of(Term value_or_predicate) const {
  return make(T::OFFSETS_OF, {*this, wrap_implicit(value_or_predicate)});
}
Term Term::is_empty() const { return make(T::IS_EMPTY, {*this}); }
Term Term::sample(Term count) const { return make(T::SAMPLE, {*this, std::move(count)}); }
Term Term::distinct(OptArgs options) const { return make(T::DISTINCT, {*this}, options); }
Term Term::count() const { return make(T::COUNT, {*this}); }
Term Term::count(Term value_or_predicate) const { return make(T::COUNT, {*this, wrap_implicit(value_or_predicate)}); }
Term Term::sum(Term field_or_function) const { return make(T::SUM, {*this, wrap_implicit(field_or_function)}); }
Term Term::sum() const { return make(T::SUM, {*this}); }
Term Term::avg(Term field_or_function) const { return make(T::AVG, {*this, wrap_implicit(field_or_function)}); }
Term Term::avg() const { return make(T::AVG, {*this}); }
Term Term::min(Term field_or_function) const { return make(T::MIN, {*this, wrap_implicit(field_or_function)}); }
Term Term::min() const { return make(T::MIN, {*this}); }
Term Term::max(Term field_or_function) const { return make(T::MAX, {*this, wrap_implicit(field_or_function)}); }
Term Term::max() const { return make(T::MAX, {*this}); }
Term Term::group(Term field_or_function, OptArgs options) const {
  return make(T::GROUP, {*this, wrap_implicit(field_or_function)}, options);
}
Term Term::ungroup() const { return make(T::UNGROUP, {*this}); }
Term Term::reduce(Term function) const { return make(T::REDUCE, {*this, wrap_implicit(function)}); }
Term Term::fold(Term base, Term function, OptArgs options) const {
  return make(T::FOLD, {*this, std::move(base), wrap_implicit(function)}, options);
}
Term Term::contains(Term value_or_predicate) const {
  return make(T::CONTAINS, {*this, wrap_implicit(value_or_predicate)});
}
Term Term::eq_join(Term left_field, Term right_table, OptArgs options) const {
  return make(T::EQ_JOIN, {*this, wrap_implicit(left_field), std::move(right_table)}, options);
}
Term Term::inner_join(Term other, Term predicate) const {
  return make(T::INNER_JOIN, {*this, std::move(other), std::move(predicate)});
}
Term Term::outer_join(Term other, Term predicate) const {
  return make(T::OUTER_JOIN, {*this, std::move(other), std::move(predicate)});
}
Term Term::zip() const { return make(T::ZIP, {*this}); }
Term Term::for_each(Term function) const { return make(T::FOR_EACH, {*this, wrap_implicit(function)}); }

// ---- Writing
Term Term::insert(Term documents, OptArgs options) const {
  return make(T::INSERT, {*this, std::move(documents)}, options);
}
Term Term::update(Term object_or_function, OptArgs options) const {
  return make(T::UPDATE, {*this, wrap_implicit(object_or_function)}, options);
}
Term Term::replace(Term object_or_function, OptArgs options) const {
  return make(T::REPLACE, {*this, wrap_implicit(object_or_function)}, options);
}
Term Term::delete_(OptArgs options) const { return make(T::DELETE, {*this}, options); }
Term Term::sync() const { return make(T::SYNC, {*this}); }

// ---- Administration
Term Term::table_create(Term name, OptArgs options) const {
  return make(T::TABLE_CREATE, {*this, std::move(name)}, options);
}
Term Term::table_drop(Term name) const { return make(T::TABLE_DROP, {*this, std::move(name)}); }
Term Term::table_list() const { return make(T::TABLE_LIST, {*this}); }
Term Term::index_create(Term name, OptArgs options) const {
  return make(T::INDEX_CREATE, {*this, std::move(name)}, options);
}
Term Term::index_create(Term name, Term function, OptArgs options) const {
  return make(T::INDEX_CREATE, {*this, std::move(name), wrap_implicit(function)}, options);
}
Term Term::index_drop(Term name) const { return make(T::INDEX_DROP, {*this, std::move(name)}); }
Term Term::index_list() const { return make(T::INDEX_LIST, {*this}); }
Term Term::index_status() const { return make(T::INDEX_STATUS, {*this}); }
Term Term::index_wait() const { return make(T::INDEX_WAIT, {*this}); }
Term Term::index_rename(Term from, Term to, OptArgs options) const {
  return make(T::INDEX_RENAME, {*this, std::move(from), std::move(to)}, options);
}
Term Term::config() const { return make(T::CONFIG, {*this}); }
Term Term::status() const { return make(T::STATUS, {*this}); }
Term Term::wait(OptArgs options) const { return make(T::WAIT, {*this}, options); }
Term Term::reconfigure(OptArgs options) const { return make(T::RECONFIGURE, {*this}, options); }
Term Term::rebalance() const { return make(T::REBALANCE, {*this}); }
Term Term::info() const { return make(T::INFO, {*this}); }
Term Term::grant(Term user, Term permissions) const {
  return make(T::GRANT, {*this, std::move(user), std::move(permissions)});
}
Term Term::changes(OptArgs options) const { return make(T::CHANGES, {*this}, options); }

// ---- Values and documents
Term Term::append(Term value) const { return make(T::APPEND, {*this, std::move(value)}); }
Term Term::prepend(Term value) const { return make(T::PREPEND, {*this, std::move(value)}); }
Term Term::difference(Term array) const { return make(T::DIFFERENCE, {*this, std::move(array)}); }
Term Term::set_insert(Term value) const { return make(T::SET_INSERT, {*this, std::move(value)}); }
Term Term::set_union(Term array) const { return make(T::SET_UNION, {*this, std::move(array)}); }
Term Term::set_intersection(Term array) const { return make(T::SET_INTERSECTION, {*this, std::move(array)}); }
Term Term::set_difference(Term array) const { return make(T::SET_DIFFERENCE, {*this, std::move(array)}); }
Term Term::insert_at(Term index, Term value) const {
  return make(T::INSERT_AT, {*this, std::move(index), std::move(value)});
}
Term Term::delete_at(Term index) const { return make(T::DELETE_AT, {*this, std::move(index)}); }
Term Term::delete_at(Term start, Term end) const {
  return make(T::DELETE_AT, {*this, std::move(start), std::move(end)});
}
Term Term::change_at(Term index, Term value) const {
  return make(T::CHANGE_AT, {*this, std::move(index), std::move(value)});
}
Term Term::splice_at(Term index, Term array) const {
  return make(T::SPLICE_AT, {*this, std::move(index), std::move(array)});
}
Term Term::coerce_to(Term type) const { return make(T::COERCE_TO, {*this, std::move(type)}); }
Term Term::type_of() const { return make(T::TYPE_OF, {*this}); }
Term Term::default_(Term fallback) const { return make(T::DEFAULT, {*this, std::move(fallback)}); }
Term Term::do_(Term function) const { return make(T::FUNCALL, {wrap_implicit(function), *this}); }
Term Term::match(Term regex) const { return make(T::MATCH, {*this, std::move(regex)}); }
Term Term::split() const { return make(T::SPLIT, {*this}); }
Term Term::split(Term separator) const { return make(T::SPLIT, {*this, std::move(separator)}); }
Term Term::split(Term separator, Term max_splits) const {
  return make(T::SPLIT, {*this, std::move(separator), std::move(max_splits)});
}
Term Term::upcase() const { return make(T::UPCASE, {*this}); }
Term Term::downcase() const { return make(T::DOWNCASE, {*this}); }
Term Term::to_json_string() const { return make(T::TO_JSON_STRING, {*this}); }

// ---- Maths and logic
Term Term::mod(Term divisor) const { return make(T::MOD, {*this, std::move(divisor)}); }
Term Term::not_() const { return make(T::NOT, {*this}); }
Term Term::floor() const { return make(T::FLOOR, {*this}); }
Term Term::ceil() const { return make(T::CEIL, {*this}); }
Term Term::round() const { return make(T::ROUND, {*this}); }

// ---- Times
Term Term::to_iso8601() const { return make(T::TO_ISO8601, {*this}); }
Term Term::to_epoch_time() const { return make(T::TO_EPOCH_TIME, {*this}); }
Term Term::in_timezone(Term timezone) const { return make(T::IN_TIMEZONE, {*this, std::move(timezone)}); }
Term Term::during(Term start, Term end, OptArgs options) const {
  return make(T::DURING, {*this, std::move(start), std::move(end)}, options);
}
Term Term::date() const { return make(T::DATE, {*this}); }
Term Term::year() const { return make(T::YEAR, {*this}); }
Term Term::month() const { return make(T::MONTH, {*this}); }
Term Term::day() const { return make(T::DAY, {*this}); }
Term Term::hours() const { return make(T::HOURS, {*this}); }
Term Term::minutes() const { return make(T::MINUTES, {*this}); }
Term Term::seconds() const { return make(T::SECONDS, {*this}); }

// ---- Operators
Term operator==(const Term& a, const Term& b) { return a.eq(b); }
Term operator!=(const Term& a, const Term& b) { return a.ne(b); }
Term operator<(const Term& a, const Term& b) { return a.lt(b); }
Term operator<=(const Term& a, const Term& b) { return a.le(b); }
Term operator>(const Term& a, const Term& b) { return a.gt(b); }
Term operator>=(const Term& a, const Term& b) { return a.ge(b); }
Term operator+(const Term& a, const Term& b) { return a.add(b); }
Term operator-(const Term& a, const Term& b) { return a.sub(b); }
Term operator*(const Term& a, const Term& b) { return a.mul(b); }
Term operator/(const Term& a, const Term& b) { return a.div(b); }
Term operator%(const Term& a, const Term& b) { return a.mod(b); }
Term operator&&(const Term& a, const Term& b) { return a.and_(b); }
Term operator||(const Term& a, const Term& b) { return a.or_(b); }
Term operator!(const Term& a) { return a.not_(); }

// ---- r
Term R::db(Term name) const { return Term::make(T::DB, {std::move(name)}); }
Term R::table(Term name, OptArgs options) const { return Term::make(T::TABLE, {std::move(name)}, options); }
Term R::db_create(Term name) const { return Term::make(T::DB_CREATE, {std::move(name)}); }
Term R::db_drop(Term name) const { return Term::make(T::DB_DROP, {std::move(name)}); }
Term R::db_list() const { return Term::make(T::DB_LIST, {}); }
Term R::table_create(Term name, OptArgs options) const {
  return Term::make(T::TABLE_CREATE, {std::move(name)}, options);
}
Term R::table_drop(Term name) const { return Term::make(T::TABLE_DROP, {std::move(name)}); }
Term R::table_list() const { return Term::make(T::TABLE_LIST, {}); }
Term R::wait(OptArgs options) const { return Term::make(T::WAIT, {}, options); }
Term R::grant(Term user, Term permissions) const {
  return Term::make(T::GRANT, {std::move(user), std::move(permissions)});
}
Term R::document(OptArgs fields) const {
  // The drivers send such objects as plain JSON objects of built terms (no MAKE_OBJ).
  Json object = Json::object();
  for (const auto& [name, value] : fields) object[name] = value.json();
  return Term::raw(std::move(object));
}
Term R::not_(Term value) const { return Term::make(T::NOT, {std::move(value)}); }
Term R::error(Term message) const { return Term::make(T::ERROR, {std::move(message)}); }
Term R::js(Term code, OptArgs options) const { return Term::make(T::JAVASCRIPT, {std::move(code)}, options); }
Term R::json(Term text) const { return Term::make(T::JSON, {std::move(text)}); }
Term R::literal(Term value) const { return Term::make(T::LITERAL, {std::move(value)}); }
Term R::args(Term array) const { return Term::make(T::ARGS, {std::move(array)}); }
Term R::asc(Term field) const { return Term::make(T::ASC, {Term::wrap_implicit(field)}); }
Term R::desc(Term field) const { return Term::make(T::DESC, {Term::wrap_implicit(field)}); }
Term R::uuid() const { return Term::make(T::UUID, {}); }
Term R::uuid(Term name) const { return Term::make(T::UUID, {std::move(name)}); }
Term R::range() const { return Term::make(T::RANGE, {}); }
Term R::range(Term end) const { return Term::make(T::RANGE, {std::move(end)}); }
Term R::range(Term start, Term end) const { return Term::make(T::RANGE, {std::move(start), std::move(end)}); }
Term R::random(OptArgs options) const { return Term::make(T::RANDOM, {}, options); }
Term R::random(Term end, OptArgs options) const { return Term::make(T::RANDOM, {std::move(end)}, options); }
Term R::random(Term start, Term end, OptArgs options) const {
  return Term::make(T::RANDOM, {std::move(start), std::move(end)}, options);
}
Term R::now() const { return Term::make(T::NOW, {}); }
Term R::epoch_time(Term seconds) const { return Term::make(T::EPOCH_TIME, {std::move(seconds)}); }
Term R::iso8601(Term text, OptArgs options) const { return Term::make(T::ISO8601, {std::move(text)}, options); }
Term R::time(Term year, Term month, Term day, Term timezone) const {
  return Term::make(T::TIME, {std::move(year), std::move(month), std::move(day), std::move(timezone)});
}
Term R::time(Term year, Term month, Term day, Term hours, Term minutes, Term seconds, Term timezone) const {
  return Term::make(T::TIME, {std::move(year), std::move(month), std::move(day), std::move(hours), std::move(minutes),
                              std::move(seconds), std::move(timezone)});
}
Term R::binary(std::string_view bytes) const {
  return Term(Json{{"$reql_type$", "BINARY"}, {"data", base64_encode(bytes)}});
}

namespace detail {
Term funcall(std::vector<Term> values_then_function) {
  Term function = Term::wrap_implicit(values_then_function.back());
  values_then_function.pop_back();
  values_then_function.insert(values_then_function.begin(), std::move(function));
  return Term::make(T::FUNCALL, std::move(values_then_function));
}
}  // namespace detail

}  // namespace reql
