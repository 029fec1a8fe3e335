// Which databases and tables a backup or restore takes: `-e DB` / `-e DB.TABLE` (and
// `-i` for restores), as rethinkdb dump and restore spell them; nothing named means
// every user database.
#pragma once

#include <string>
#include <vector>

namespace rsm::db::backup {

class TableSelection {
 public:
  TableSelection() = default;
  // UsageError "invalid ... DB or DB.TABLE" for anything else (RethinkDB's names are
  // letters, digits, '_' and '-').
  explicit TableSelection(const std::vector<std::string>& items);

  bool everything() const { return items_.empty(); }
  bool includes(const std::string& db, const std::string& table) const;
  // The items no name in `tables` ("db.table") matched, for "does not exist" errors.
  std::vector<std::string> unmatched(const std::vector<std::string>& tables) const;

 private:
  struct Item {
    std::string db, table;  // table empty: the whole database
  };
  std::vector<Item> items_;
};

}  // namespace rsm::db::backup
