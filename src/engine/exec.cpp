// Create the exec, start it (attached: its output arrives multiplexed unless it has a
// terminal), then read its exit code from the exec's state. An attached exec pumps both
// ways in one poll() loop over our stdin, the stream and a pipe that SIGWINCH writes to.
#include "engine/exec.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <optional>

#include <fmt/format.h>

#include "engine/hijacked_stream.h"
#include "util/poll.h"
#include "util/terminal.h"

namespace rsm::engine {

namespace {

int resize_pipe[2] = {-1, -1};

void on_resize(int) {
  char byte = 0;
  [[maybe_unused]] auto written = ::write(resize_pipe[1], &byte, 1);
}

// SIGWINCH writes to resize_pipe for as long as it lives.
class ResizeSignal {
 public:
  ResizeSignal() {
    if (pipe2(resize_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return;
    struct sigaction action {};
    action.sa_handler = on_resize;
    sigaction(SIGWINCH, &action, &saved_);
  }
  ~ResizeSignal() {
    sigaction(SIGWINCH, &saved_, nullptr);
    close(resize_pipe[0]);
    close(resize_pipe[1]);
    resize_pipe[0] = resize_pipe[1] = -1;
  }
  ResizeSignal(const ResizeSignal&) = delete;
  ResizeSignal& operator=(const ResizeSignal&) = delete;

 private:
  struct sigaction saved_ {};
};

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;  // our reader went away: the exec goes on to its end
    bytes.remove_prefix(static_cast<size_t>(written));
  }
}

void resize(Client& client, const std::string& exec) {
  if (auto size = terminal_size(STDOUT_FILENO))
    client.request(Method::Post, fmt::format("/exec/{}/resize?h={}&w={}", exec, size->rows, size->columns));
}

// The exit code once the exec has ended; its state may lag the stream's end a little.
int exit_code(Client& client, const std::string& exec) {
  json state;
  poll_for(seconds(10), milliseconds(50), [&] {
    state = client.get("/exec/" + exec + "/json");
    return !state.value("Running", false);
  });
  return state.value("ExitCode", -1);
}

}  // namespace

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

int exec_attached(Client& client, const std::string& container, const std::vector<std::string>& argv, bool tty) {
  json created =
      client.post("/containers/" + container + "/exec",
                  {{"Cmd", argv}, {"AttachStdin", true}, {"AttachStdout", true}, {"AttachStderr", true}, {"Tty", tty}});
  std::string id = created.at("Id");
  auto stream = client.hijack("/exec/" + id + "/start", {{"Detach", false}, {"Tty", tty}});
  StreamDemuxer demuxer([](StreamKind kind, std::string_view bytes) {
    write_all(kind == StreamKind::Stderr ? STDERR_FILENO : STDOUT_FILENO, bytes);
  });
  std::optional<RawTerminal> raw;
  std::optional<ResizeSignal> resizes;
  if (tty) {
    raw.emplace(STDIN_FILENO);
    resizes.emplace();
    resize(client, id);
  }

  bool input_open = true;
  std::string output;
  for (;;) {
    pollfd watched[3] = {
        {stream->fd(), POLLIN, 0}, {input_open ? STDIN_FILENO : -1, POLLIN, 0}, {resize_pipe[0], POLLIN, 0}};
    if (poll(watched, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (watched[0].revents) {
      output.clear();
      bool open = stream->read_available(output);
      if (tty)
        write_all(STDOUT_FILENO, output);
      else
        demuxer.feed(output);
      if (!open) break;
    }
    if (watched[1].revents) {
      char buffer[4096];
      ssize_t n = read(STDIN_FILENO, buffer, sizeof buffer);
      if (n > 0) {
        stream->write(std::string_view(buffer, static_cast<size_t>(n)));
      } else if (n == 0 || errno != EINTR) {
        input_open = false;
        if (!tty) stream->close_write();
      }
    }
    if (watched[2].revents) {
      char drained[64];
      while (read(resize_pipe[0], drained, sizeof drained) > 0) {
      }
      resize(client, id);
    }
  }
  raw.reset();
  return exit_code(client, id);
}

}  // namespace rsm::engine
