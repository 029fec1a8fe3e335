// Percent-encoding through libcurl, which the client links anyway.
#include "engine/url.h"

#include <curl/curl.h>

namespace rsm::engine {

std::string url_encode(std::string_view text) {
  char* encoded = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  std::string result(encoded);
  curl_free(encoded);
  return result;
}

std::string encode_filters(const nlohmann::json& filters) { return url_encode(filters.dump()); }

}  // namespace rsm::engine
