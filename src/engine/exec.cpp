#include "engine/exec.h"

namespace rsm::engine {

void StreamDemuxer::feed(std::string_view chunk) {
  pending_.append(chunk);
  size_t at = 0;
  while (pending_.size() - at >= 8) {
    auto byte = [&](size_t i) { return static_cast<unsigned char>(pending_[at + i]); };
    size_t length = (size_t{byte(4)} << 24) | (size_t{byte(5)} << 16) | (size_t{byte(6)} << 8) | byte(7);
    if (pending_.size() - at - 8 < length) break;
    auto kind = byte(0) == 2 ? StreamKind::Stderr : StreamKind::Stdout;
    output_(kind, std::string_view(pending_).substr(at + 8, length));
    at += 8 + length;
  }
  pending_.erase(0, at);
}

int exec_in_container(Client& client, const std::string& container, const std::vector<std::string>& argv,
                      const OutputSink& output) {
  json created = client.post("/containers/" + container + "/exec",
                             {{"Cmd", argv}, {"AttachStdout", true}, {"AttachStderr", true}, {"Tty", false}});
  std::string id = created.at("Id");
  StreamDemuxer demuxer(output);
  client.checked(Method::Post, "/exec/" + id + "/start",
                 {.body = json{{"Detach", false}, {"Tty", false}},
                  .sink = [&](std::string_view chunk) { demuxer.feed(chunk); },
                  .timeout_seconds = 0});
  json state = client.get("/exec/" + id + "/json");
  return state.value("ExitCode", -1);
}

}  // namespace rsm::engine
