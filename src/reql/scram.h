// SCRAM-SHA-256 (RFC 5802, RFC 7677) from the client's side, as RethinkDB's V1_0
// handshake uses it: no channel binding ("n,,"), PBKDF2-HMAC-SHA-256.
//
// Unlike the official JavaScript driver, we really check the server's signature (v=), by
// comparing the decoded bytes: a server that does not know the password cannot pass.
#pragma once

#include <string>
#include <string_view>

namespace reql {

// The keys both sides derive from a password (RFC 5802, section 3).
struct ScramKeys {
  std::string client_key;
  std::string stored_key;
  std::string server_key;
};
ScramKeys scram_keys(std::string_view password, std::string_view salt, int iterations);
std::string hmac_sha256(std::string_view key, std::string_view data);

class ScramClient {
 public:
  // nonce: printable, without ','; random_nonce() makes a fresh one.
  ScramClient(std::string user, std::string password, std::string nonce);

  // "n,,n=USER,r=NONCE"
  std::string client_first() const;
  // Takes "r=...,s=...,i=..." and returns "c=biws,r=...,p=PROOF". Throws ProtocolError
  // when the message is malformed or the server's nonce does not extend ours.
  std::string client_final(std::string_view server_first);
  // Takes "v=SIGNATURE"; throws AuthError unless it is the signature only a server that
  // knows the password can compute.
  void verify_server_final(std::string_view server_final) const;

  // base64 of 18 random bytes, the official drivers' choice.
  static std::string random_nonce();

 private:
  std::string user_;
  std::string password_;
  std::string nonce_;
  std::string expected_server_signature_;
};

}  // namespace reql
