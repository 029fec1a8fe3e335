// Each service's log read through its own engine client (a client serialises its
// requests), split back into stdout/stderr and into lines, each line cut into its time,
// its details (the task it came from) and its message; the lines before following are
// gathered, sorted by time and cut to the tail, then each stream is followed from the
// newest time seen.
#include "swarm/service_logs.h"

#include <algorithm>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "engine/stream_demuxer.h"
#include "util/duration.h"
#include "util/error.h"
#include "util/line_splitter.h"
#include "util/parallel.h"
#include "util/split.h"

namespace rsm::swarm {

namespace {

struct LogLine {
  double time = 0;
  std::string stamp;   // as the engine wrote it
  std::string source;  // "web.2@dev-worker-1"
  std::string message;
};

// task ID -> "SERVICE.SLOT@NODE" (SERVICE@NODE for a global service's tasks).
std::map<std::string, std::string> task_sources(engine::Client& manager, const std::vector<ServiceView>& services) {
  std::map<std::string, std::string> node_names;
  for (const auto& node : list_nodes(manager)) node_names[node.id] = node.name;
  std::map<std::string, std::string> sources;
  for (const auto& service : services)
    for (const auto& task : service_tasks(manager, service.name))
      sources[task.id] = fmt::format("{}{}@{}", service.name, task.slot > 0 ? fmt::format(".{}", task.slot) : "",
                                     node_names.contains(task.node_id) ? node_names[task.node_id] : task.node_id);
  return sources;
}

// "TIME DETAILS MESSAGE", DETAILS being "key=value,key=value" with the task's ID.
LogLine parse_line(std::string_view raw, const std::map<std::string, std::string>& sources,
                   const std::string& service) {
  LogLine line;
  auto space = raw.find(' ');
  line.stamp = std::string(raw.substr(0, space));
  line.time = engine_time(line.stamp);
  raw = space == std::string_view::npos ? std::string_view() : raw.substr(space + 1);
  space = raw.find(' ');
  std::string_view details = raw.substr(0, space);
  line.message = space == std::string_view::npos ? "" : std::string(raw.substr(space + 1));
  line.source = service;
  for (const auto& item : split(details, ','))
    if (item.starts_with("com.docker.swarm.task.id="))
      if (auto found = sources.find(item.substr(25)); found != sources.end()) line.source = found->second;
  return line;
}

std::string format_line(const LogLine& line, const LogQuery& query) {
  return fmt::format("{}{} | {}\n", query.timestamps ? line.stamp + " " : "", line.source, line.message);
}

// Reads one service's log in the window (the engine's since/tail parameters), handing on
// each line; following, until the stream ends.
void read_log(const engine::Endpoint& manager, const ServiceView& service, bool follow, const std::string& window,
              const std::map<std::string, std::string>& sources, const std::function<void(LogLine)>& on_line) {
  LineSplitter lines([&](std::string_view raw) { on_line(parse_line(raw, sources, service.name)); });
  engine::StreamDemuxer demuxer([&](engine::StreamKind, std::string_view text) { lines.feed(text); });
  engine::Client client(manager);
  client.checked(engine::Method::Get,
                 fmt::format("/services/{}/logs?stdout=1&stderr=1&timestamps=1&details=1&follow={:d}{}", service.id,
                             follow, window),
                 {.sink = [&](std::string_view chunk) { demuxer.feed(chunk); }, .timeout_seconds = follow ? 0 : 60});
  lines.finish();
}

}  // namespace

void service_logs(const engine::Endpoint& manager, const std::vector<ServiceView>& services, const LogQuery& query,
                  const std::function<void(std::string_view line)>& on_line) {
  engine::Client client(manager);
  auto sources = task_sources(client, services);
  auto matches = [&](const LogLine& line) { return !query.grep || std::regex_search(line.message, *query.grep); };

  // What there is so far: every service's, in time order, the newest `tail` that match.
  std::string window = query.since ? fmt::format("&since={:.9f}", *query.since) : "";
  // With a pattern the engine cannot cut the tail: the matching lines may be older ones.
  std::string tail = query.tail > 0 && !query.grep ? fmt::format("&tail={}", query.tail) : "&tail=all";
  std::mutex mutex;
  std::vector<LogLine> gathered;
  auto chosen = services;
  for_each_parallel(chosen, [&](const ServiceView& service) {
    read_log(manager, service, false, window + tail, sources, [&](LogLine line) {
      if (!matches(line)) return;
      std::lock_guard lock(mutex);
      gathered.push_back(std::move(line));
    });
  });
  std::stable_sort(gathered.begin(), gathered.end(),
                   [](const LogLine& a, const LogLine& b) { return a.time < b.time; });
  size_t first = query.tail > 0 && gathered.size() > static_cast<size_t>(query.tail) ? gathered.size() - query.tail : 0;
  double newest = query.since.value_or(0);
  for (size_t i = first; i < gathered.size(); ++i) on_line(format_line(gathered[i], query));
  for (const auto& line : gathered) newest = std::max(newest, line.time);
  if (!query.follow) return;

  // Then what comes, each stream from just after the newest line printed.
  for_each_parallel(chosen, [&](const ServiceView& service) {
    read_log(manager, service, true, fmt::format("&tail=all&since={:.9f}", newest), sources, [&](LogLine line) {
      if (line.time <= newest || !matches(line)) return;
      std::lock_guard lock(mutex);
      on_line(format_line(line, query));
    });
  });
}

double parse_since(const std::string& text, double now) {
  if (double time = engine_time(text); time > 0) return time;
  try {
    return now - std::chrono::duration<double>(parse_duration(text, "--since")).count();
  } catch (const UsageError&) {
    throw UsageError(
        fmt::format("--since takes a duration back from now (10m, 2h, 1d) or a UTC time like "
                    "2026-12-02T08:00:00Z, not '{}'",
                    text));
  }
}

}  // namespace rsm::swarm
