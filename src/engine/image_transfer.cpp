// Images between engines and registries: lookups, pulls, builds, and the streamed copy.
#include "engine/image_transfer.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <thread>

#include <fmt/format.h>

#include "engine/json_message_stream.h"
#include "engine/url.h"

namespace rsm::engine {

bool has_image(Client& engine, const std::string& reference) {
  return engine.find("/images/" + reference + "/json").has_value();
}

std::string image_id(Client& engine, const std::string& reference) {
  auto image = engine.find("/images/" + reference + "/json");
  return image ? image->value("Id", "") : "";
}

void pull_image(Client& engine, const std::string& reference) {
  // Without a tag (or digest) the engine would pull every tag of the repository.
  std::string query = "fromImage=" + url_encode(reference);
  auto slash = reference.rfind('/');
  auto colon = reference.rfind(':');
  bool tagged = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  if (reference.find('@') == std::string::npos)
    query = fmt::format("fromImage={}&tag={}", url_encode(tagged ? reference.substr(0, colon) : reference),
                        tagged ? url_encode(reference.substr(colon + 1)) : "latest");
  try {
    JsonMessageStream messages(nullptr);
    engine.checked(Method::Post, "/images/create?" + query,
                   {.sink = [&](std::string_view chunk) { messages.feed(chunk); }, .timeout_seconds = 600});
    messages.finish();
  } catch (const Error& e) {
    std::string why = e.what();  // registries answer in several lines; a message is one
    std::replace(why.begin(), why.end(), '\n', ' ');
    throw Error(why);
  }
}

void build_image(Client& engine, const std::string& reference, std::string context_tar,
                 const ImageBuildOptions& options) {
  JsonMessageStream messages(options.on_message);
  engine.checked(Method::Post,
                 fmt::format("/build?t={}&rm=1&forcerm=1&labels={}{}", url_encode(reference),
                             url_encode(options.labels.dump()), options.no_cache ? "&nocache=1" : ""),
                 {.raw_body = std::move(context_tar),
                  .content_type = "application/x-tar",
                  .sink = [&](std::string_view chunk) { messages.feed(chunk); },
                  .timeout_seconds = options.timeout_seconds});
  messages.finish();
}

void copy_image(Client& source, Client& target, const std::string& reference) {
  if (!has_image(source, reference))
    throw Error(fmt::format("the engine at {} has no image {}: build or load it there first",
                            source.endpoint().to_string(), reference));
  // The download writes into a socket pair from its own thread; the upload reads from it
  // here. (A socket, not a pipe: MSG_NOSIGNAL spares us SIGPIPE when the upload stops early.)
  int pipe_fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pipe_fds) != 0)
    throw Error(fmt::format("cannot create a socket pair: {}", std::strerror(errno)));

  std::exception_ptr download_failure;
  std::thread download([&] {
    try {
      source.checked(Method::Get, "/images/" + reference + "/get",
                     {.sink =
                          [&](std::string_view chunk) {
                            while (!chunk.empty()) {
                              ssize_t n = send(pipe_fds[1], chunk.data(), chunk.size(), MSG_NOSIGNAL);
                              if (n < 0 && errno == EINTR) continue;
                              if (n < 0) throw Error(fmt::format("image stream: {}", std::strerror(errno)));
                              chunk.remove_prefix(static_cast<size_t>(n));
                            }
                          },
                      .timeout_seconds = 0});
    } catch (...) {
      download_failure = std::current_exception();
    }
    close(pipe_fds[1]);  // the upload sees the end of the stream
  });

  std::exception_ptr upload_failure;
  try {
    JsonMessageStream messages(nullptr);
    target.checked(Method::Post, "/images/load?quiet=1",
                   {.content_type = "application/x-tar",
                    .source = fd_source(pipe_fds[0]),
                    .sink = [&](std::string_view chunk) { messages.feed(chunk); },
                    .timeout_seconds = 0});
    messages.finish();
  } catch (...) {
    upload_failure = std::current_exception();
  }
  close(pipe_fds[0]);  // a download still writing gets EPIPE and ends
  download.join();
  if (download_failure) std::rethrow_exception(download_failure);
  if (upload_failure) std::rethrow_exception(upload_failure);
}

}  // namespace rsm::engine
