// The checks on the user's own certificate, with certificates made by a test CA.
#include "proxy/certificate.h"

#include <gtest/gtest.h>

#include "support/test_certificates.h"
#include "util/error.h"

using namespace rsm;
using namespace std::chrono_literals;
using rsm::testing::TestCa;
using rsm::testing::TestCertificate;

namespace {

std::string refusal(const TestCertificate& pair, const std::vector<std::string>& hosts, const std::string& key = "") {
  try {
    proxy::check_certificate(pair.certificate, key.empty() ? pair.key : key, hosts, "site.pem");
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Certificate, TakesAChainAndItsKeyForEveryHost) {
  TestCa ca;
  auto pair = ca.issue({"example.com", "*.example.com"});
  auto certificate = proxy::check_certificate(pair.certificate, pair.key, {"example.com", "www.example.com"}, "x");
  EXPECT_EQ(certificate.names, (std::vector<std::string>{"*.example.com", "example.com"}));
  EXPECT_NEAR(static_cast<double>(certificate.not_after), static_cast<double>(std::time(nullptr) + 30 * 24 * 3600), 60);
  EXPECT_NE(certificate.pem.find(ca.root()), std::string::npos) << "the chain stays";
  EXPECT_NE(certificate.pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  EXPECT_LT(certificate.pem.find(ca.root()), certificate.pem.find("PRIVATE KEY")) << "HAProxy reads the key last";
  // One file with both is fine too.
  EXPECT_NO_THROW(proxy::check_certificate(pair.certificate + pair.key, pair.certificate + pair.key, {}, "x"));
}

TEST(Certificate, RefusesWhatABrowserWouldInOneLine) {
  TestCa ca;
  auto pair = ca.issue({"example.com"});
  EXPECT_EQ(refusal(pair, {"other.com"}),
            "site.pem: the certificate is not for other.com (it is for example.com): give one for every host");
  EXPECT_EQ(refusal(pair, {"example.com"}, ca.issue({"example.com"}).key),
            "site.pem: the key is not the certificate's key: give the key it was made with");
  EXPECT_EQ(refusal(ca.issue({"example.com"}, -1h, -2h), {"example.com"}).find("site.pem: the certificate expired on "),
            0u);
  EXPECT_EQ(refusal(ca.issue({"example.com"}, 48h, 24h), {"example.com"})
                .find("site.pem: the certificate is valid only from "),
            0u);
  EXPECT_EQ(refusal(pair, {"example.com"}, rsm::testing::encrypted_key(pair.key, "secret")),
            "site.pem: no private key in the key file, or one with a passphrase: give it unencrypted");
  EXPECT_EQ(refusal({pair.key, pair.key}, {"example.com"}),
            "site.pem: no PEM certificate in it (-----BEGIN CERTIFICATE-----)");
}

TEST(Certificate, ReadsFilesAndSaysWhichOneIsMissing) {
  EXPECT_THROW(proxy::read_certificate("/nonexistent/site.pem", "/nonexistent/site.key", {}), UsageError);
  try {
    proxy::read_certificate("/nonexistent/site.pem", "/nonexistent/site.key", {});
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "cannot read /nonexistent/site.pem: give the path of a PEM file");
  }
}

TEST(Certificate, WritesAndReadsUtcTimes) {
  EXPECT_EQ(proxy::utc_time(1'800'000'000), "2027-01-15T08:00:00Z");
  EXPECT_EQ(proxy::parse_utc_time("2027-01-15T08:00:00Z"), 1'800'000'000);
  EXPECT_EQ(proxy::parse_utc_time(""), 0);
}
