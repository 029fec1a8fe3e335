// Renumbers lambda variables by first appearance. The drivers number variables with a
// process-wide counter, so the same query built twice differs only in those numbers.
#pragma once

#include <map>

#include <nlohmann/json.hpp>

namespace rsm::testing {

inline nlohmann::json normalize_variables(const nlohmann::json& term, std::map<long, long>& renamed) {
  constexpr int kFunc = 69, kVar = 10, kMakeArray = 2;
  auto number = [&](long id) {
    auto [it, inserted] = renamed.emplace(id, static_cast<long>(renamed.size()) + 1);
    return it->second;
  };
  if (term.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : term.items()) out[key] = normalize_variables(value, renamed);
    return out;
  }
  if (!term.is_array() || term.size() < 2 || !term[0].is_number_integer() || !term[1].is_array()) return term;
  int type = term[0].get<int>();
  if (type == kFunc && term[1].size() == 2 && term[1][0].is_array() && term[1][0].size() == 2 &&
      term[1][0][0] == kMakeArray) {
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& id : term[1][0][1]) ids.push_back(number(id.get<long>()));
    return {kFunc, {{kMakeArray, ids}, normalize_variables(term[1][1], renamed)}};
  }
  if (type == kVar && term[1].size() == 1 && term[1][0].is_number()) return {kVar, {number(term[1][0].get<long>())}};
  nlohmann::json out = nlohmann::json::array({term[0], nlohmann::json::array()});
  for (const auto& arg : term[1]) out[1].push_back(normalize_variables(arg, renamed));
  for (size_t i = 2; i < term.size(); ++i) out.push_back(normalize_variables(term[i], renamed));
  return out;
}

inline nlohmann::json normalize_variables(const nlohmann::json& term) {
  std::map<long, long> renamed;
  return normalize_variables(term, renamed);
}

}  // namespace rsm::testing
