// Create the exec, start it attached (its output arrives multiplexed), then read its exit
// code from the exec's state.
#include "engine/exec.h"

namespace rsm::engine {

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
