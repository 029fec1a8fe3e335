// Columns padded to their widest cell; an empty cell reads "-".
#include "cli/table.h"

#include <algorithm>

#include <fmt/format.h>

namespace rsm::cli {

std::string format_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size());
  for (size_t i = 0; i < header.size(); ++i) widths[i] = header[i].size();
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  std::string table;
  auto add_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      std::string cell = cells[i].empty() ? "-" : cells[i];
      line += i + 1 < cells.size() ? fmt::format("{:<{}}  ", cell, widths[i]) : cell;
    }
    table += line + "\n";
  };
  add_row(header);
  for (const auto& row : rows) add_row(row);
  return table;
}

void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  fmt::print("{}", format_table(header, rows));
}

}  // namespace rsm::cli
