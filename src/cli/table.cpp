// Columns padded to their widest cell; an empty cell reads "-".
#include "cli/table.h"

#include <algorithm>

#include <fmt/format.h>

namespace rsm::cli {

void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size());
  for (size_t i = 0; i < header.size(); ++i) widths[i] = header[i].size();
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      std::string cell = cells[i].empty() ? "-" : cells[i];
      line += i + 1 < cells.size() ? fmt::format("{:<{}}  ", cell, widths[i]) : cell;
    }
    fmt::print("{}\n", line);
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
}

}  // namespace rsm::cli
