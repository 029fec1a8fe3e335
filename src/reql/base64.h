// Standard base64 (RFC 4648, with padding), as SCRAM and RethinkDB's BINARY use it.
#pragma once

#include <string>
#include <string_view>

namespace reql {

std::string base64_encode(std::string_view bytes);
// Throws ProtocolError on malformed input.
std::string base64_decode(std::string_view text);

}  // namespace reql
