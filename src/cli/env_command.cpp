// rsm env ls: the environments that exist.
#include <memory>
#include <set>

#include <fmt/ranges.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/table.h"
#include "swarm/environment.h"

namespace rsm::cli {

void add_env_commands(CLI::App& app, int&) {
  auto json = std::make_shared<bool>(false);
  auto* env = app.add_subcommand("env", "Environments");
  env->require_subcommand(1);
  auto* ls = env->add_subcommand("ls", "List environments, their machines and what their cloud machines cost");
  ls->add_flag("--json", *json, "Print JSON for scripts");
  ls->callback([json] {
    Progress progress(true);
    auto out = nlohmann::json::array();
    std::vector<std::vector<std::string>> rows;
    for (const auto& name : swarm::Environment::all()) {
      auto nodes = swarm::Environment(name, progress).nodes();
      size_t managers = 0, running = 0;
      double monthly = 0;
      std::set<std::string> drivers;
      for (const auto& node : nodes) {
        managers += node.role == drivers::Role::Manager;
        running += node.running();
        monthly += node.price_monthly;
        drivers.insert(node.driver);
      }
      std::string driver_list = fmt::format("{}", fmt::join(drivers, ","));
      out.push_back({{"name", name},
                     {"nodes", nodes.size()},
                     {"managers", managers},
                     {"running", running},
                     {"drivers", drivers},
                     {"price_monthly", monthly}});
      rows.push_back({name, std::to_string(nodes.size()), std::to_string(managers), std::to_string(running),
                      driver_list, monthly > 0 ? fmt::format("${:.2f}/month", monthly) : "-"});
    }
    if (*json)
      fmt::print("{}\n", out.dump(2));
    else
      print_table({"ENV", "NODES", "MANAGERS", "RUNNING", "DRIVERS", "BILLED"}, rows);
  });
}

}  // namespace rsm::cli
