// Base64 through OpenSSL's EVP encoder and decoder.
#include "reql/base64.h"

#include <openssl/evp.h>

#include "reql/errors.h"

namespace reql {

std::string base64_encode(std::string_view bytes) {
  std::string text(4 * ((bytes.size() + 2) / 3), '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  text.resize(static_cast<size_t>(written));
  return text;
}

std::string base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) throw ProtocolError("malformed base64: length is not a multiple of 4");
  std::string bytes(3 * text.size() / 4, '\0');
  int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (written < 0) throw ProtocolError("malformed base64");
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  size_t padding = 0;
  for (size_t i = text.size(); i > 0 && text[i - 1] == '=' && padding < 2; --i) ++padding;
  bytes.resize(static_cast<size_t>(written) - padding);
  return bytes;
}

}  // namespace reql
