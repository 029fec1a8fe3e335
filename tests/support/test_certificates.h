// Certificates for tests of the edge's HTTPS: a CA of the test's own and certificates it
// signs for given names and times (expired ones, ones from the future), made with
// OpenSSL, written as PEM where the test wants files.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace rsm::testing {

struct TestCertificate {
  std::string certificate;  // PEM: the certificate, then the CA's (its chain)
  std::string key;          // PEM, unencrypted
};

class TestCa {
 public:
  TestCa();
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  // The CA's certificate: what a client trusts.
  const std::string& root() const { return root_; }
  // A server certificate for these DNS names (or IPv4 addresses), valid from now + not_before to now + not_after.
  TestCertificate issue(const std::vector<std::string>& names,
                        std::chrono::seconds not_after = std::chrono::hours(24 * 30),
                        std::chrono::seconds not_before = -std::chrono::hours(1)) const;

 private:
  void* key_;   // EVP_PKEY
  void* cert_;  // X509
  std::string root_;
};

// The key as PEM encrypted with `passphrase` (what rsm must refuse).
std::string encrypted_key(const std::string& key_pem, const std::string& passphrase);

void write_text_file(const std::string& path, const std::string& text);

}  // namespace rsm::testing
