// DB and DB.TABLE items, checked once: see selection.h.
#include "db/backup/selection.h"

#include <algorithm>
#include <regex>

#include <fmt/format.h>

#include "util/error.h"

namespace rsm::db::backup {

TableSelection::TableSelection(const std::vector<std::string>& items) {
  static const std::regex form(R"(([A-Za-z0-9_-]+)(?:\.([A-Za-z0-9_-]+))?)");
  for (const auto& item : items) {
    std::smatch match;
    if (!std::regex_match(item, match, form))
      throw UsageError(fmt::format("invalid selection '{}': give DB or DB.TABLE (letters, digits, '_', '-')", item));
    if (match[1] == "rethinkdb")
      throw UsageError("the rethinkdb database is the cluster's own: backups take user databases only");
    items_.push_back({match[1], match[2]});
  }
}

bool TableSelection::includes(const std::string& db, const std::string& table) const {
  return everything() || std::any_of(items_.begin(), items_.end(), [&](const Item& item) {
           return item.db == db && (item.table.empty() || item.table == table);
         });
}

std::vector<std::string> TableSelection::unmatched(const std::vector<std::string>& tables) const {
  std::vector<std::string> missing;
  for (const auto& item : items_) {
    bool found = std::any_of(tables.begin(), tables.end(), [&](const std::string& name) {
      return item.table.empty() ? name.starts_with(item.db + ".") : name == item.db + "." + item.table;
    });
    if (!found) missing.push_back(item.table.empty() ? item.db : item.db + "." + item.table);
  }
  return missing;
}

}  // namespace rsm::db::backup
