// Copying an image from one engine to another without a registry: GET /images/{name}/get
// on the source is streamed straight into POST /images/load on the target, so the image
// never sits whole in memory or on disk.
#pragma once

#include <functional>
#include <string>

#include "engine/client.h"

namespace rsm::engine {

bool has_image(Client& engine, const std::string& reference);

// The ID ("sha256:...") of the image the engine has under that reference; empty when it
// has none. Copies between engines keep the ID, so equal IDs mean equal images.
std::string image_id(Client& engine, const std::string& reference);

// Pulls the image from its registry; Error with the engine's reason, on one line, when it
// cannot (no registry reachable, unknown image). Where no registry is reachable this fails
// fast.
void pull_image(Client& engine, const std::string& reference);

struct ImageBuildOptions {
  long timeout_seconds = 0;                     // 0: none
  std::function<void(const json&)> on_message;  // sees each line the build streams
  json labels = json::object();                 // put on the image
  bool no_cache = false;                        // every step runs again, none from the engine's cache
};

// Builds `reference` from a tar build context (POST /build); a failed step is thrown as
// Error with the engine's words.
void build_image(Client& engine, const std::string& reference, std::string context_tar,
                 const ImageBuildOptions& options = {});

// Throws Error when the source lacks the image or the target refuses it.
void copy_image(Client& source, Client& target, const std::string& reference);

}  // namespace rsm::engine
