// JSON text to nlohmann::json, read with RapidJSON's SAX reader. Every answer from the
// server is parsed once on the connection's thread, so the parser is on the driver's
// hot path: RapidJSON reads whole runs of characters where nlohmann's parser takes one
// character at a time.
#pragma once

#include <initializer_list>
#include <string_view>

#include <nlohmann/json.hpp>

namespace reql {

// The value `text` holds, typed as nlohmann::json::parse types it (non-negative integers
// unsigned, negative ones signed, the rest double). Throws ProtocolError when `text` is
// not one JSON value in valid UTF-8: what a server sent is then not what the protocol
// says.
nlohmann::json read_json(std::string_view text);

// Reads a JSON object straight into the slots named for its members (other members are
// read and dropped; a repeated one keeps its last value): no object is built around them.
// Throws ProtocolError when `text` is not one JSON object in valid UTF-8.
struct JsonMember {
  std::string_view key;
  nlohmann::json* slot;
};
void read_json_object(std::string_view text, std::initializer_list<JsonMember> members);

}  // namespace reql
