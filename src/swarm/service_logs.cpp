// One engine client per service (a client serialises its requests), each stream split
// back into stdout/stderr and then into lines.
#include "swarm/service_logs.h"

#include <mutex>

#include <fmt/format.h>

#include "engine/stream_demuxer.h"
#include "util/line_splitter.h"
#include "util/parallel.h"

namespace rsm::swarm {

void service_logs(const engine::Endpoint& manager, const std::vector<ServiceView>& services, bool follow,
                  const std::function<void(std::string_view line)>& on_line) {
  std::mutex mutex;
  auto chosen = services;
  for_each_parallel(chosen, [&](const ServiceView& service) {
    std::string prefix = services.size() > 1 ? service.name + " | " : "";
    LineSplitter lines([&](std::string_view line) {
      std::string text = fmt::format("{}{}\n", prefix, line);
      std::lock_guard lock(mutex);
      on_line(text);
    });
    engine::StreamDemuxer demuxer([&](engine::StreamKind, std::string_view text) { lines.feed(text); });
    engine::Client client(manager);
    client.checked(engine::Method::Get,
                   fmt::format("/services/{}/logs?stdout=1&stderr=1&follow={}", service.id, follow ? 1 : 0),
                   {.sink = [&](std::string_view chunk) { demuxer.feed(chunk); }, .timeout_seconds = follow ? 0 : 60});
    lines.finish();
  });
}

}  // namespace rsm::swarm
