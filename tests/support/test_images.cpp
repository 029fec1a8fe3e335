#include "support/test_images.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "engine/image_transfer.h"
#include "util/tar_writer.h"

namespace rsm::testing {

void ensure_busybox_image(engine::Client& engine) {
  if (engine::has_image(engine, kBusyboxImage)) return;
  std::ifstream binary("/bin/busybox", std::ios::binary);
  if (!binary) throw Error("the tests need /bin/busybox: apt-get install busybox-static");
  std::ostringstream content;
  content << binary.rdbuf();
  TarWriter context;
  context.add_file("Dockerfile", "FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT [\"/bin/busybox\"]\n");
  context.add_file("busybox", content.str(), 0755);
  engine::JsonMessageStream messages(nullptr);
  engine.checked(engine::Method::Post, fmt::format("/build?t={}&rm=1", kBusyboxImage),
                 {.raw_body = context.finish(), .content_type = "application/x-tar",
                  .sink = [&](std::string_view chunk) { messages.feed(chunk); }, .timeout_seconds = 300});
  messages.finish();
}

std::string unique_name(const std::string& prefix) { return fmt::format("{}-{}", prefix, getpid()); }

}  // namespace rsm::testing
