#include "util/content_hash.h"

#include <openssl/evp.h>

#include <cstdint>
#include <memory>

#include <fmt/format.h>

#include "util/error.h"

namespace rsm {

std::string content_hash(std::initializer_list<std::string_view> parts) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) throw Error("cannot start SHA-256");
  for (auto part : parts) {
    std::string length = fmt::format("{}:", part.size());
    EVP_DigestUpdate(context.get(), length.data(), length.size());
    EVP_DigestUpdate(context.get(), part.data(), part.size());
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(context.get(), digest, &size);
  std::string hex;
  for (unsigned int i = 0; i < 16; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string earlier_content_hash(std::initializer_list<std::string_view> parts) {
  uint64_t hash = 1469598103934665603ull;
  for (auto part : parts)
    for (unsigned char c : part) hash = (hash ^ c) * 1099511628211ull;
  return fmt::format("{:012x}", hash & 0xffffffffffffull);
}

}  // namespace rsm
