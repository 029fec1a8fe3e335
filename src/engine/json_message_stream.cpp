// Lines of a streamed answer, parsed one by one; plain text lines (which engines also
// stream) are passed over.
#include "engine/json_message_stream.h"

#include "util/error.h"

namespace rsm::engine {

JsonMessageStream::JsonMessageStream(std::function<void(const nlohmann::json&)> on_message)
    : on_message_(std::move(on_message)), lines_([this](std::string_view line) { handle_line(line); }) {}

void JsonMessageStream::handle_line(std::string_view line) {
  auto message = nlohmann::json::parse(line, nullptr, false);
  if (message.is_discarded() || !message.is_object()) return;
  if (message.contains("errorDetail") && message["errorDetail"].contains("message"))
    throw Error(message["errorDetail"]["message"].get<std::string>());
  if (message.contains("error") && message["error"].is_string()) throw Error(message["error"].get<std::string>());
  if (on_message_) on_message_(message);
}

}  // namespace rsm::engine
