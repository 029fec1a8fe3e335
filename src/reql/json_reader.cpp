// A RapidJSON SAX handler that builds nlohmann::json values in place, keeping the number
// types nlohmann's own parser would give.
#include "reql/json_reader.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include "reql/errors.h"

namespace reql {

namespace {

using Json = nlohmann::json;
using rapidjson::SizeType;

// Builds one value from the reader's events into a slot. `open_` holds the containers
// being filled, innermost last; each lives in its parent, whose storage cannot move while
// a child is open (a parent only grows once the child is closed).
class Builder : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Builder> {
 public:
  void start(Json* slot) {
    root_ = slot;
    open_.clear();
  }

  bool Null() { return place(nullptr); }
  bool Bool(bool value) { return place(value); }
  bool Int(int value) { return place(static_cast<std::int64_t>(value)); }
  bool Uint(unsigned value) { return place(static_cast<std::uint64_t>(value)); }
  bool Int64(std::int64_t value) { return place(value); }
  bool Uint64(std::uint64_t value) { return place(value); }
  bool Double(double value) { return place(value); }
  bool String(const char* text, SizeType length, bool) { return place(std::string(text, length)); }
  bool Key(const char* text, SizeType length, bool) {
    key_.assign(text, length);
    return true;
  }
  bool StartObject() { return open(Json::object()); }
  bool EndObject(SizeType) { return close(); }
  bool StartArray() { return open(Json::array()); }
  bool EndArray(SizeType) { return close(); }

 private:
  // Where the next value goes: the slot, the end of the open array, or the open object
  // under the last key (a repeated key keeps the last value, as nlohmann does).
  Json& next_place() {
    if (open_.empty()) return *root_;
    Json& parent = *open_.back();
    if (parent.is_array()) return parent.emplace_back();
    return parent[key_];
  }
  bool place(Json value) {
    next_place() = std::move(value);
    return true;
  }
  bool open(Json container) {
    Json& placed = next_place();
    placed = std::move(container);
    open_.push_back(&placed);
    return true;
  }
  bool close() {
    open_.pop_back();
    return true;
  }

  Json* root_ = nullptr;
  std::vector<Json*> open_;
  std::string key_;
};

// The events of one object: its members go to a Builder each, into their slots.
class ObjectReader : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, ObjectReader> {
 public:
  explicit ObjectReader(std::initializer_list<JsonMember> members) : members_(members) {}

  bool Null() { return in_member() && member_.Null(); }
  bool Bool(bool value) { return in_member() && member_.Bool(value); }
  bool Int(int value) { return in_member() && member_.Int(value); }
  bool Uint(unsigned value) { return in_member() && member_.Uint(value); }
  bool Int64(std::int64_t value) { return in_member() && member_.Int64(value); }
  bool Uint64(std::uint64_t value) { return in_member() && member_.Uint64(value); }
  bool Double(double value) { return in_member() && member_.Double(value); }
  bool String(const char* text, SizeType length, bool copy) {
    return in_member() && member_.String(text, length, copy);
  }
  bool Key(const char* text, SizeType length, bool copy) {
    if (depth_ > 1) return member_.Key(text, length, copy);
    std::string_view key(text, length);
    auto named = std::find_if(members_.begin(), members_.end(), [&](const JsonMember& m) { return m.key == key; });
    member_.start(named == members_.end() ? &dropped_ : named->slot);
    return true;
  }
  bool StartObject() { return depth_++ == 0 || member_.StartObject(); }  // depth 0: the object itself
  bool EndObject(SizeType count) { return --depth_ == 0 || member_.EndObject(count); }
  bool StartArray() { return depth_++ > 0 && member_.StartArray(); }  // depth 0: not an object
  bool EndArray(SizeType count) {
    --depth_;
    return member_.EndArray(count);
  }

 private:
  bool in_member() const { return depth_ > 0; }  // at depth 0 a value is not an object

  std::initializer_list<JsonMember> members_;
  Builder member_;
  Json dropped_;
  int depth_ = 0;
};

// Full precision: a time's epoch_time must come back as the very double the server sent.
// Iterative: deep nesting costs heap, not stack.
constexpr unsigned kParseFlags =
    rapidjson::kParseFullPrecisionFlag | rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag;

template <class Handler>
void read(std::string_view text, Handler& handler, const char* what) {
  rapidjson::MemoryStream input(text.data(), text.size());
  rapidjson::Reader reader;
  if (reader.Parse<kParseFlags>(input, handler).IsError())
    throw ProtocolError(std::string("not ") + what + ": " + std::string(text.substr(0, 200)));
}

}  // namespace

Json read_json(std::string_view text) {
  Json value;
  Builder builder;
  builder.start(&value);
  read(text, builder, "one JSON value");
  return value;
}

void read_json_object(std::string_view text, std::initializer_list<JsonMember> members) {
  ObjectReader reader(members);
  read(text, reader, "one JSON object");
}

}  // namespace reql
