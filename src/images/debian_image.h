// Images made from Debian packages, for machines without a registry: the local driver's
// node, the edge proxy, the builders of `rsm build`. A recipe is a Dockerfile built FROM
// debian:bookworm-slim where that image can be had, otherwise FROM a base that mmdebstrap
// writes once straight into the engine's import (root and a reachable Debian mirror,
// RSM_DEBIAN_MIRROR). Several images can be built at once: they share the base. An
// image is tagged with a hash of its recipe, so a changed recipe builds a new one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/client.h"
#include "util/progress.h"

namespace rsm::images {

struct ImageFile {
  std::string path;  // absolute, in the image
  std::string content;
  int mode = 0644;
};

struct DebianImageRecipe {
  std::string what;        // for progress and errors: "node image"
  std::string repository;  // "rsm-node"
  std::vector<std::string> packages;
  std::vector<ImageFile> files;
  std::vector<std::string> entrypoint;
  // When set, the image is FROM scratch with only these programs, the shared libraries
  // they load, and `files`: a few megabytes instead of a Debian system, for images that
  // are copied into every node.
  std::vector<std::string> only_programs;
  // With only_programs, other files of the Debian system kept as they are (a CA bundle).
  std::vector<std::string> also_keep;
  // An environment variable that names a ready-made image to use instead ("RSM_NODE_IMAGE");
  // empty for none.
  std::string override_variable;
};

// "REPOSITORY:<hash of the recipe>", or the override variable's value when set.
std::string image_reference(const DebianImageRecipe& recipe);

// Makes sure the engine has the recipe's image and returns its reference. Throws Error
// naming what is missing when it can be neither pulled nor built.
std::string ensure_debian_image(engine::Client& engine, const DebianImageRecipe& recipe, Progress& progress);

// The recipe as a Dockerfile FROM base (default debian:bookworm-slim; its files are in the
// context as files/N). With only_programs it has two stages: Debian, then scratch with
// what was kept. The tag hashes the default's text: either base makes the same image.
std::string dockerfile(const DebianImageRecipe& recipe, std::string_view base = {});

}  // namespace rsm::images
