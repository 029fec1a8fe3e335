// Query strings of Engine API paths: values percent-encoded, and the JSON `filters`
// parameter of the list endpoints.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace rsm::engine {

// Percent-encoding for a query parameter's value.
std::string url_encode(std::string_view text);

// The `filters` parameter of the list endpoints: {"label": ["a=b"], "name": [...]} encoded.
std::string encode_filters(const nlohmann::json& filters);

}  // namespace rsm::engine
