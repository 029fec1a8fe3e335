// Reading a dump with libarchive and nlohmann's SAX parser over an entry's bytes, so that
// a table's documents never sit in memory at once: see dump_archive.h.
#include "db/backup/dump_archive.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <istream>
#include <map>
#include <optional>
#include <regex>
#include <streambuf>

#include <fmt/format.h>

#include "util/error.h"

namespace rsm::db::backup {

namespace fs = std::filesystem;

namespace {

constexpr size_t kChunk = 64 * 1024;

using ReadArchive = std::unique_ptr<archive, decltype(&archive_read_free)>;

ReadArchive open_for_reading(const std::string& file) {
  if (!fs::is_regular_file(file)) throw UsageError(fmt::format("{}: no such file; give a backup's path", file));
  ReadArchive reader(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_all(reader.get());
  if (archive_read_open_filename(reader.get(), file.c_str(), kChunk) != ARCHIVE_OK)
    throw UsageError(fmt::format("{} is not a backup (a .tar.gz as rethinkdb dump and rsm db backup write): {}", file,
                                 archive_error_string(reader.get())));
  return reader;
}

[[noreturn]] void damaged(const std::string& file, archive* reader) {
  std::string why = archive_error_string(reader) ? archive_error_string(reader) : "unreadable";
  throw UsageError(fmt::format("{} is not a backup, or is truncated or damaged ({}): use another backup", file, why));
}

// An entry's place in the layout: [TOP/]DB/TABLE.(json|info), or rsm's [TOP/].rsm/users.json.
struct EntryName {
  std::string db, table, kind;  // kind: "json", "info" or "users"
};

std::optional<EntryName> parse_entry(std::string path) {
  if (path.starts_with("./")) path = path.substr(2);
  static const std::regex users(R"((?:[^/]+/)?\.rsm/users\.json)");
  if (std::regex_match(path, users)) return EntryName{"", "", "users"};
  static const std::regex layout(R"((?:[^/]+/)?([A-Za-z0-9_-]+)/([A-Za-z0-9_-]+)\.(json|info))");
  std::smatch match;
  if (!std::regex_match(path, match, layout)) return std::nullopt;
  return EntryName{match[1], match[2], match[3]};
}

// The bytes of the entry being read, as a stream for the JSON parser.
class EntryBuffer : public std::streambuf {
 public:
  EntryBuffer(archive* reader, std::string file) : reader_(reader), file_(std::move(file)) {}

 protected:
  int_type underflow() override {
    la_ssize_t read = archive_read_data(reader_, buffer_.data(), buffer_.size());
    if (read < 0) damaged(file_, reader_);
    if (read == 0) return traits_type::eof();
    setg(buffer_.data(), buffer_.data(), buffer_.data() + read);
    return traits_type::to_int_type(buffer_[0]);
  }

 private:
  archive* reader_;
  std::string file_;
  std::array<char, kChunk> buffer_{};
};

// Builds each element of the top-level array and hands it on: one document in memory at a time.
class ArrayElements : public nlohmann::json_sax<json> {
 public:
  explicit ArrayElements(std::function<void(json&)> on_element) : on_element_(std::move(on_element)) {}

  bool null() override { return value(nullptr); }
  bool boolean(bool v) override { return value(v); }
  bool number_integer(number_integer_t v) override { return value(v); }
  bool number_unsigned(number_unsigned_t v) override { return value(v); }
  bool number_float(number_float_t v, const string_t&) override { return value(v); }
  bool string(string_t& v) override { return value(std::move(v)); }
  bool binary(binary_t& v) override { return value(json::binary(std::move(v))); }
  bool start_object(std::size_t) override { return open(json::object()); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override {
    if (!top_seen_) return top_seen_ = true;  // the top-level array itself
    return open(json::array());
  }
  bool end_array() override { return stack_.empty() ? true : close(); }
  bool key(string_t& key) override {
    key_ = std::move(key);
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
    error_ = fmt::format("at byte {}: {}", position, e.what());
    return false;
  }
  const std::string& error() const { return error_; }
  bool saw_array() const { return top_seen_; }

 private:
  bool value(json v) {
    if (!top_seen_) {
      error_ = "it is not a JSON array";
      return false;
    }
    if (stack_.empty()) {
      on_element_(v);
      return true;
    }
    place(std::move(v));
    return true;
  }
  json* place(json v) {
    json& parent = *stack_.back();
    if (parent.is_object()) return &(parent[key_] = std::move(v));
    parent.push_back(std::move(v));
    return &parent.back();
  }
  bool open(json v) {
    if (!top_seen_) {
      error_ = "it is not a JSON array";
      return false;
    }
    if (stack_.empty()) {
      element_ = std::move(v);
      stack_.push_back(&element_);
    } else {
      stack_.push_back(place(std::move(v)));
    }
    return true;
  }
  bool close() {
    stack_.pop_back();
    if (stack_.empty()) on_element_(element_);
    return true;
  }

  std::function<void(json&)> on_element_;
  bool top_seen_ = false;
  json element_;
  std::vector<json*> stack_;
  std::string key_;
  std::string error_;
};

std::string read_entry(archive* reader, const std::string& file) {
  std::string text;
  std::array<char, kChunk> buffer{};
  la_ssize_t read;
  while ((read = archive_read_data(reader, buffer.data(), buffer.size())) > 0) text.append(buffer.data(), read);
  if (read < 0) damaged(file, reader);
  return text;
}

// Calls on_entry for every regular file of the archive with its layout name; throws for a
// damaged archive.
void for_each_entry(const std::string& file, const std::function<void(archive*, const EntryName&)>& on_entry) {
  auto reader = open_for_reading(file);
  archive_entry* entry = nullptr;
  int status;
  while ((status = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK) {
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    auto name = parse_entry(archive_entry_pathname(entry));
    if (name) on_entry(reader.get(), *name);
    if (archive_read_data_skip(reader.get()) != ARCHIVE_OK) damaged(file, reader.get());
  }
  if (status != ARCHIVE_EOF) damaged(file, reader.get());
}

}  // namespace

std::string DumpTable::primary_key() const {
  return info.is_object() && info.contains("primary_key") && info["primary_key"].is_string()
             ? info["primary_key"].get<std::string>()
             : "id";
}

DumpReader::DumpReader(std::string file) : file_(std::move(file)) {
  std::map<std::pair<std::string, std::string>, DumpTable> infos;
  std::vector<std::pair<std::string, std::string>> data;
  for_each_entry(file_, [&](archive* reader, const EntryName& name) {
    auto key = std::pair(name.db, name.table);
    if (name.kind == "json") {
      data.push_back(key);
      return;
    }
    if (name.kind == "users") {
      users_ = json::parse(read_entry(reader, file_), nullptr, false);
      if (!users_.is_object()) throw UsageError(fmt::format("{}: .rsm/users.json is damaged", file_));
      return;
    }
    json info = json::parse(read_entry(reader, file_), nullptr, false);
    if (!info.is_object())
      throw UsageError(
          fmt::format("{}: {}/{}.info is not a JSON object: the backup is damaged", file_, name.db, name.table));
    infos[key] = DumpTable{name.db, name.table, std::move(info)};
  });
  if (data.empty() && infos.empty())
    throw UsageError(fmt::format("{} holds no tables: it is not a backup of rsm db backup or rethinkdb dump", file_));
  for (const auto& key : data) {
    auto found = infos.find(key);
    if (found == infos.end())
      throw UsageError(
          fmt::format("{}: table {}.{} has no .info (its primary key and indexes): the backup is "
                      "incomplete; restore the other tables with -i",
                      file_, key.first, key.second));
    tables_.push_back(found->second);
  }
}

void DumpReader::read_documents(const std::function<bool(const DumpTable&)>& wanted, size_t batch_size,
                                const Batch& on_batch) const {
  for_each_entry(file_, [&](archive* reader, const EntryName& name) {
    if (name.kind != "json") return;
    auto table = std::find_if(tables_.begin(), tables_.end(),
                              [&](const DumpTable& t) { return t.db == name.db && t.name == name.table; });
    if (table == tables_.end() || !wanted(*table)) return;
    std::vector<json> batch;
    ArrayElements elements([&](json& document) {
      batch.push_back(std::move(document));
      if (batch.size() >= batch_size) {
        on_batch(*table, batch);
        batch.clear();
      }
    });
    EntryBuffer buffer(reader, file_);
    std::istream in(&buffer);
    if (!json::sax_parse(in, &elements) || !elements.saw_array())
      throw UsageError(fmt::format("{}: {}/{}.json is not a JSON array of documents ({}): the backup is damaged", file_,
                                   name.db, name.table, elements.error().empty() ? "empty" : elements.error()));
    if (!batch.empty()) on_batch(*table, batch);
  });
}

}  // namespace rsm::db::backup
