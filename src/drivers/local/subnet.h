// IPv4 subnet arithmetic for choosing each local environment's network.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rsm::drivers {

// The first subnet of the given prefix length inside pool ("10.213.0.0/16") that overlaps
// none of the taken ones (any length; IPv6 entries are ignored); empty when none is free.
std::string free_subnet(std::string_view pool, int prefix_length, const std::vector<std::string>& taken);

// The address of host number n inside subnet: subnet_host("10.1.2.0/24", 5) == "10.1.2.5".
std::string subnet_host(std::string_view subnet, int n);

}  // namespace rsm::drivers
