// Plain-text tables for list commands, columns padded to their widest cell.
#pragma once

#include <string>
#include <vector>

namespace rsm::cli {

std::string format_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

}  // namespace rsm::cli
