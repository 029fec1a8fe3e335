// SCRAM's messages and proofs with OpenSSL's PBKDF2 and HMAC, the server's signature
// compared as decoded bytes.
#include "reql/scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <charconv>
#include <map>

#include "reql/base64.h"
#include "reql/errors.h"

namespace reql {

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), reinterpret_cast<unsigned char*>(out.data()), &length);
  return out;
}

namespace {

std::string sha256(std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// RFC 5802 saslname: '=' and ',' are escaped in user names.
std::string escape_user(std::string_view user) {
  std::string out;
  for (char c : user) {
    if (c == '=')
      out += "=3D";
    else if (c == ',')
      out += "=2C";
    else
      out += c;
  }
  return out;
}

// "a=1,b=2" -> {a: 1, b: 2}
std::map<char, std::string> attributes(std::string_view message) {
  std::map<char, std::string> out;
  while (!message.empty()) {
    auto comma = message.find(',');
    auto part = message.substr(0, comma);
    if (part.size() < 2 || part[1] != '=') throw ProtocolError("malformed SCRAM message: " + std::string(message));
    out[part[0]] = std::string(part.substr(2));
    message = comma == std::string_view::npos ? std::string_view() : message.substr(comma + 1);
  }
  return out;
}

}  // namespace

ScramKeys scram_keys(std::string_view password, std::string_view salt, int iterations) {
  std::string salted(SHA256_DIGEST_LENGTH, '\0');
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), iterations,
                    EVP_sha256(), SHA256_DIGEST_LENGTH, reinterpret_cast<unsigned char*>(salted.data()));
  std::string client_key = hmac_sha256(salted, "Client Key");
  return {client_key, sha256(client_key), hmac_sha256(salted, "Server Key")};
}

ScramClient::ScramClient(std::string user, std::string password, std::string nonce)
    : user_(std::move(user)), password_(std::move(password)), nonce_(std::move(nonce)) {}

std::string ScramClient::random_nonce() {
  unsigned char bytes[18];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw Error("no random bytes for the SCRAM nonce");
  return base64_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

std::string ScramClient::client_first() const {
  return "n,," + std::string("n=") + escape_user(user_) + ",r=" + nonce_;
}

std::string ScramClient::client_final(std::string_view server_first) {
  auto fields = attributes(server_first);
  const std::string& combined_nonce = fields['r'];
  if (!combined_nonce.starts_with(nonce_) || combined_nonce.size() == nonce_.size())
    throw ProtocolError("SCRAM: the server's nonce does not extend ours");
  std::string salt = base64_decode(fields['s']);
  int iterations = 0;
  const std::string& count = fields['i'];
  auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), iterations);
  if (ec != std::errc() || end != count.data() + count.size() || iterations < 1)
    throw ProtocolError("SCRAM: bad iteration count '" + count + "'");

  ScramKeys keys = scram_keys(password_, salt, iterations);
  std::string without_proof = "c=biws,r=" + combined_nonce;
  std::string auth_message = client_first().substr(3) + "," + std::string(server_first) + "," + without_proof;
  std::string signature = hmac_sha256(keys.stored_key, auth_message);
  std::string proof = keys.client_key;
  for (size_t i = 0; i < proof.size(); ++i) proof[i] = static_cast<char>(proof[i] ^ signature[i]);
  expected_server_signature_ = hmac_sha256(keys.server_key, auth_message);
  return without_proof + ",p=" + base64_encode(proof);
}

void ScramClient::verify_server_final(std::string_view server_final) const {
  auto fields = attributes(server_final);
  if (fields.contains('e')) throw AuthError("SCRAM: the server refused: " + fields['e'], 0);
  std::string signature;
  try {
    signature = base64_decode(fields['v']);
  } catch (const ProtocolError&) {
    signature.clear();
  }
  if (expected_server_signature_.empty() || signature.size() != expected_server_signature_.size() ||
      CRYPTO_memcmp(signature.data(), expected_server_signature_.data(), signature.size()) != 0)
    throw AuthError("SCRAM: the server's signature is wrong; it does not know the password (or is not the server)", 0);
}

}  // namespace reql
