// The ReQL query builder. It reads like the official drivers:
//
//   r.db("app").table("users").filter(r.row["age"] > 30).pluck("name")
//   r.table("users").filter([](Term user) { return user["age"] > 30; })
//   r.table("posts").insert(json{{"title", "hi"}}, {{"durability", "soft"}})
//
// A Term holds its serialized form ([type, [args...], {optargs}]) and is built eagerly,
// so copying one is copying JSON. Values convert implicitly: null, bool, numbers, strings
// and nlohmann::json (arrays become MAKE_ARRAY terms, objects keep their keys), and
// callables taking 1-3 Terms become functions with fresh variables. Method names are the
// drivers' in snake_case; names that are C++ keywords end in '_' (and_, or_, not_,
// delete_, default_, union_, do_).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "reql/protocol.h"

namespace reql {

class Term;
// Optional arguments, with the server's snake_case names: {{"durability", "soft"}}. An
// initializer_list on purpose: for a braced list C++ prefers it over any other conversion,
// so t.slice(2, {{"left_bound", "open"}}) never reads the options as a datum.
using OptArg = std::pair<const std::string, Term>;
using OptArgs = std::initializer_list<OptArg>;
// Options assembled at run time.
using OptArgMap = std::map<std::string, Term>;

class Term {
 public:
  Term(std::nullptr_t) : json_(nullptr) {}
  Term(bool value) : json_(value) {}
  template <class Number>
  requires(std::is_arithmetic_v<Number> && !std::is_same_v<Number, bool>) Term(Number value) : json_(value) {}
  Term(const char* text) : json_(text) {}
  Term(std::string text) : json_(std::move(text)) {}
  Term(std::string_view text) : json_(std::string(text)) {}
  // A datum: arrays (at any depth) become MAKE_ARRAY terms, objects keep their keys.
  Term(const nlohmann::json& datum);
  // A time, sent as the drivers send a Date: an ISO 8601 term in UTC, to the millisecond.
  Term(std::chrono::system_clock::time_point time);
  // A function: any callable that takes 1, 2 or 3 Terms and returns something a Term can be.
  template <class F>
  requires(std::is_invocable_v<F, Term> || std::is_invocable_v<F, Term, Term> ||
           std::is_invocable_v<F, Term, Term, Term>) Term(F&& function);

  // The serialized term, as it goes on the wire.
  const nlohmann::json& json() const { return json_; }
  std::string dump() const { return json_.dump(); }

  // JSON that already is a serialized term, sent exactly as given.
  static Term raw(nlohmann::json built);
  // Builds [type, [args...], {optargs}] (the optargs object only when there are some).
  static Term make(TermType type, std::vector<Term> args, OptArgs optargs = {});
  static Term make(TermType type, std::vector<Term> args, const OptArgMap& optargs);
  // A function of the given variables: [FUNC, [[MAKE_ARRAY, [ids]], body]].
  static Term function(const std::vector<int>& variables, const Term& body);
  static Term variable(int id);
  // Fresh variable ids, counted process-wide as the official drivers do.
  static std::vector<int> fresh_variables(int count);
  // Wraps a term that uses r.row into a one-argument function, as the drivers do for the
  // arguments of filter, map, update and the like.
  static Term wrap_implicit(const Term& term);

  // ---- Selecting and reading
  Term table(Term name, OptArgs options = {}) const;
  Term get(Term key) const;
  template <class... Keys>
  Term get_all(Keys&&... keys) const {
    return make(TermType::GET_ALL, {*this, Term(std::forward<Keys>(keys))...});
  }
  Term get_all_by(OptArgs options, std::vector<Term> keys) const;
  Term between(Term lower, Term upper, OptArgs options = {}) const;
  Term filter(Term predicate, OptArgs options = {}) const;
  Term operator[](Term field_or_index) const;
  Term get_field(Term field) const;
  Term nth(Term index) const;
  template <class... Fields>
  Term pluck(Fields&&... fields) const {
    return make(TermType::PLUCK, {*this, Term(std::forward<Fields>(fields))...});
  }
  template <class... Fields>
  Term without(Fields&&... fields) const {
    return make(TermType::WITHOUT, {*this, Term(std::forward<Fields>(fields))...});
  }
  template <class... Fields>
  Term has_fields(Fields&&... fields) const {
    return make(TermType::HAS_FIELDS, {*this, Term(std::forward<Fields>(fields))...});
  }
  template <class... Fields>
  Term with_fields(Fields&&... fields) const {
    return make(TermType::WITH_FIELDS, {*this, Term(std::forward<Fields>(fields))...});
  }
  template <class... Objects>
  Term merge(Objects&&... objects) const {
    return make(TermType::MERGE, {*this, wrap_implicit(Term(std::forward<Objects>(objects)))...});
  }
  Term keys() const;
  Term values() const;

  // ---- Transforming sequences
  Term map(Term function) const;
  Term concat_map(Term function) const;
  Term order_by(std::vector<Term> keys, OptArgs options = {}) const;
  Term order_by(Term key) const;
  Term skip(Term count) const;
  Term limit(Term count) const;
  Term slice(Term start, OptArgs options = {}) const;
  Term slice(Term start, Term end, OptArgs options = {}) const;
  Term offsets_of(Term value_or_predicate) const;
  Term is_empty() const;
  template <class... Sequences>
  Term union_(Sequences&&... others) const {
    return make(TermType::UNION, {*this, Term(std::forward<Sequences>(others))...});
  }
  Term sample(Term count) const;
  Term distinct(OptArgs options = {}) const;
  Term count() const;
  Term count(Term value_or_predicate) const;
  Term sum(Term field_or_function) const;
  Term sum() const;
  Term avg(Term field_or_function) const;
  Term avg() const;
  Term min(Term field_or_function) const;
  Term min() const;
  Term max(Term field_or_function) const;
  Term max() const;
  Term group(Term field_or_function, OptArgs options = {}) const;
  Term ungroup() const;
  Term reduce(Term function) const;
  Term fold(Term base, Term function, OptArgs options = {}) const;
  Term contains(Term value_or_predicate) const;
  Term eq_join(Term left_field, Term right_table, OptArgs options = {}) const;
  Term inner_join(Term other, Term predicate) const;
  Term outer_join(Term other, Term predicate) const;
  Term zip() const;
  Term for_each(Term function) const;

  // ---- Writing
  Term insert(Term documents, OptArgs options = {}) const;
  Term update(Term object_or_function, OptArgs options = {}) const;
  Term replace(Term object_or_function, OptArgs options = {}) const;
  Term delete_(OptArgs options = {}) const;
  Term sync() const;

  // ---- Administration
  Term table_create(Term name, OptArgs options = {}) const;
  Term table_drop(Term name) const;
  Term table_list() const;
  Term index_create(Term name, OptArgs options = {}) const;
  Term index_create(Term name, Term function, OptArgs options = {}) const;
  Term index_drop(Term name) const;
  Term index_list() const;
  Term index_status() const;
  Term index_wait() const;
  Term index_rename(Term from, Term to, OptArgs options = {}) const;
  Term config() const;
  Term status() const;
  Term wait(OptArgs options = {}) const;
  Term reconfigure(OptArgs options) const;
  Term rebalance() const;
  Term info() const;
  Term grant(Term user, Term permissions) const;
  Term changes(OptArgs options = {}) const;

  // ---- Values and documents
  Term append(Term value) const;
  Term prepend(Term value) const;
  Term difference(Term array) const;
  Term set_insert(Term value) const;
  Term set_union(Term array) const;
  Term set_intersection(Term array) const;
  Term set_difference(Term array) const;
  Term insert_at(Term index, Term value) const;
  Term delete_at(Term index) const;
  Term delete_at(Term start, Term end) const;
  Term change_at(Term index, Term value) const;
  Term splice_at(Term index, Term array) const;
  Term coerce_to(Term type) const;
  Term type_of() const;
  Term default_(Term fallback) const;
  Term do_(Term function) const;
  Term match(Term regex) const;
  Term split() const;
  Term split(Term separator) const;
  Term split(Term separator, Term max_splits) const;
  Term upcase() const;
  Term downcase() const;
  Term to_json_string() const;

  // ---- Maths and logic (also as operators below)
  template <class... Values>
  Term add(Values&&... values) const {
    return make(TermType::ADD, {*this, Term(std::forward<Values>(values))...});
  }
  template <class... Values>
  Term sub(Values&&... values) const {
    return make(TermType::SUB, {*this, Term(std::forward<Values>(values))...});
  }
  template <class... Values>
  Term mul(Values&&... values) const {
    return make(TermType::MUL, {*this, Term(std::forward<Values>(values))...});
  }
  template <class... Values>
  Term div(Values&&... values) const {
    return make(TermType::DIV, {*this, Term(std::forward<Values>(values))...});
  }
  Term mod(Term divisor) const;
  template <class... Values>
  Term eq(Values&&... values) const {
    return make(TermType::EQ, {*this, Term(std::forward<Values>(values))...});
  }
  template <class... Values>
  Term ne(Values&&... values) const {
    return make(TermType::NE, {*this, Term(std::forward<Values>(values))...});
  }
  template <class... Values>
  Term lt(Values&&... values) const {
    return make(TermType::LT, {*this, Term(std::forward<Values>(values))...});
  }
  template <class... Values>
  Term le(Values&&... values) const {
    return make(TermType::LE, {*this, Term(std::forward<Values>(values))...});
  }
  template <class... Values>
  Term gt(Values&&... values) const {
    return make(TermType::GT, {*this, Term(std::forward<Values>(values))...});
  }
  template <class... Values>
  Term ge(Values&&... values) const {
    return make(TermType::GE, {*this, Term(std::forward<Values>(values))...});
  }
  template <class... Values>
  Term and_(Values&&... values) const {
    return make(TermType::AND, {*this, Term(std::forward<Values>(values))...});
  }
  template <class... Values>
  Term or_(Values&&... values) const {
    return make(TermType::OR, {*this, Term(std::forward<Values>(values))...});
  }
  Term not_() const;
  Term floor() const;
  Term ceil() const;
  Term round() const;

  // ---- Times
  Term to_iso8601() const;
  Term to_epoch_time() const;
  Term in_timezone(Term timezone) const;
  Term during(Term start, Term end, OptArgs options = {}) const;
  Term date() const;
  Term year() const;
  Term month() const;
  Term day() const;
  Term hours() const;
  Term minutes() const;
  Term seconds() const;

 private:
  template <class F>
  static Term function_of(F& f);

  nlohmann::json json_;
};

// Operators build terms (they do not compare C++ values): r.row["age"] > 30.
Term operator==(const Term& a, const Term& b);
Term operator!=(const Term& a, const Term& b);
Term operator<(const Term& a, const Term& b);
Term operator<=(const Term& a, const Term& b);
Term operator>(const Term& a, const Term& b);
Term operator>=(const Term& a, const Term& b);
Term operator+(const Term& a, const Term& b);
Term operator-(const Term& a, const Term& b);
Term operator*(const Term& a, const Term& b);
Term operator/(const Term& a, const Term& b);
Term operator%(const Term& a, const Term& b);
Term operator&&(const Term& a, const Term& b);
Term operator||(const Term& a, const Term& b);
Term operator!(const Term& a);

template <class F>
Term Term::function_of(F& f) {
  if constexpr (std::is_invocable_v<F, Term>) {
    auto ids = fresh_variables(1);
    return function(ids, Term(f(variable(ids[0]))));
  } else if constexpr (std::is_invocable_v<F, Term, Term>) {
    auto ids = fresh_variables(2);
    return function(ids, Term(f(variable(ids[0]), variable(ids[1]))));
  } else {
    auto ids = fresh_variables(3);
    return function(ids, Term(f(variable(ids[0]), variable(ids[1]), variable(ids[2]))));
  }
}

template <class F>
requires(std::is_invocable_v<F, Term> || std::is_invocable_v<F, Term, Term> ||
         std::is_invocable_v<F, Term, Term, Term>) Term::Term(F&& function)
    : json_(function_of(function).json_) {}

// The top-level namespace of queries: r.db(...), r.table(...), r.row, r.expr(...).
struct R {
  // The document a filter, map or update is looking at (the drivers' r.row).
  Term row = Term::make(TermType::IMPLICIT_VAR, {});
  Term minval = Term::make(TermType::MINVAL, {});
  Term maxval = Term::make(TermType::MAXVAL, {});

  Term expr(Term value) const { return value; }
  Term db(Term name) const;
  Term table(Term name, OptArgs options = {}) const;
  Term db_create(Term name) const;
  Term db_drop(Term name) const;
  Term db_list() const;
  Term table_create(Term name, OptArgs options = {}) const;
  Term table_drop(Term name) const;
  Term table_list() const;
  Term wait(OptArgs options = {}) const;
  Term grant(Term user, Term permissions) const;
  template <class... Values>
  Term array(Values&&... values) const {
    return Term::make(TermType::MAKE_ARRAY, {Term(std::forward<Values>(values))...});
  }
  // A document whose values are terms: r.document({{"name", r.row["name"]}}), sent as a
  // plain JSON object of terms, as the drivers send r.expr({name: r.row('name')}).
  Term document(OptArgs fields) const;
  // The OBJECT term: r.object("a", 1, "b", 2).
  template <class... KeysAndValues>
  Term object(KeysAndValues&&... pairs) const {
    return Term::make(TermType::OBJECT, {Term(std::forward<KeysAndValues>(pairs))...});
  }
  template <class... Values>
  Term branch(Values&&... test_then_else) const {
    return Term::make(TermType::BRANCH, {Term(std::forward<Values>(test_then_else))...});
  }
  template <class... Values>
  Term and_(Values&&... values) const {
    return Term::make(TermType::AND, {Term(std::forward<Values>(values))...});
  }
  template <class... Values>
  Term or_(Values&&... values) const {
    return Term::make(TermType::OR, {Term(std::forward<Values>(values))...});
  }
  Term not_(Term value) const;
  Term error(Term message) const;
  Term js(Term code, OptArgs options = {}) const;
  Term json(Term text) const;
  Term literal(Term value) const;
  Term args(Term array) const;
  Term asc(Term field) const;
  Term desc(Term field) const;
  Term uuid() const;
  Term uuid(Term name) const;
  Term range() const;
  Term range(Term end) const;
  Term range(Term start, Term end) const;
  Term random(OptArgs options = {}) const;
  Term random(Term end, OptArgs options = {}) const;
  Term random(Term start, Term end, OptArgs options = {}) const;
  Term now() const;
  Term epoch_time(Term seconds) const;
  Term iso8601(Term text, OptArgs options = {}) const;
  Term time(Term year, Term month, Term day, Term timezone) const;
  Term time(Term year, Term month, Term day, Term hours, Term minutes, Term seconds, Term timezone) const;
  // BINARY pseudo-type of the bytes, base64-encoded as the server expects.
  Term binary(std::string_view bytes) const;
  // r.do_(args..., function): calls the function (last) with the other values.
  template <class... Values>
  Term do_(Values&&... values_then_function) const;
};

inline const R r;

namespace detail {
Term funcall(std::vector<Term> values_then_function);
}

template <class... Values>
Term R::do_(Values&&... values_then_function) const {
  return detail::funcall({Term(std::forward<Values>(values_then_function))...});
}

}  // namespace reql
