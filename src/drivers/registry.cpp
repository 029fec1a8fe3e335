// The drivers rsm has, by name.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "drivers/digitalocean/digitalocean_driver.h"
#include "drivers/local/local_driver.h"
#include "drivers/node_driver.h"
#include "drivers/ssh/ssh_driver.h"
#include "util/error.h"

namespace rsm::drivers {

std::vector<std::string_view> driver_names() { return {"local", "ssh", "digitalocean"}; }

std::unique_ptr<NodeDriver> make_driver(std::string_view name) {
  if (name == "local") return std::make_unique<LocalDriver>(engine::Endpoint::from_environment());
  if (name == "ssh") return std::make_unique<SshDriver>();
  if (name == "digitalocean") return std::make_unique<DigitalOceanDriver>();
  throw UsageError(fmt::format("unknown driver '{}': choose one of {}", name, fmt::join(driver_names(), ", ")));
}

}  // namespace rsm::drivers
