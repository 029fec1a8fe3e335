// The cluster TLS material rsm makes: a CA, and a certificate it signed whose key is the
// one given, good for both ends of a connection between servers.
#include <gtest/gtest.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "db/cluster_tls.h"

namespace {

X509* read_certificate(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* certificate = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return certificate;
}

}  // namespace

TEST(ClusterTls, CertificateIsSignedByTheCaAndMatchesItsKey) {
  auto tls = rsm::db::make_cluster_tls("dev");
  X509* ca = read_certificate(tls.ca_certificate);
  X509* certificate = read_certificate(tls.certificate);
  ASSERT_NE(ca, nullptr);
  ASSERT_NE(certificate, nullptr);
  BIO* key_bio = BIO_new_mem_buf(tls.private_key.data(), static_cast<int>(tls.private_key.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  BIO_free(key_bio);
  ASSERT_NE(key, nullptr);

  EXPECT_EQ(X509_check_private_key(certificate, key), 1);
  EXPECT_EQ(X509_verify(certificate, X509_get0_pubkey(ca)), 1);
  EXPECT_EQ(X509_check_ca(ca), 1);
  EXPECT_EQ(X509_check_ca(certificate), 0);
  EXPECT_EQ(X509_check_purpose(certificate, X509_PURPOSE_SSL_SERVER, 0), 1);
  EXPECT_EQ(X509_check_purpose(certificate, X509_PURPOSE_SSL_CLIENT, 0), 1);

  // The whole chain, as a server checks its peer with --cluster-tls-ca.
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* context = X509_STORE_CTX_new();
  X509_STORE_CTX_init(context, store, certificate, nullptr);
  EXPECT_EQ(X509_verify_cert(context), 1) << X509_verify_cert_error_string(X509_STORE_CTX_get_error(context));
  X509_STORE_CTX_free(context);
  X509_STORE_free(store);

  // Another environment's CA does not vouch for this certificate.
  auto other = rsm::db::make_cluster_tls("prd");
  X509* other_ca = read_certificate(other.ca_certificate);
  EXPECT_NE(X509_verify(certificate, X509_get0_pubkey(other_ca)), 1);
  X509_free(other_ca);
  EVP_PKEY_free(key);
  X509_free(certificate);
  X509_free(ca);
}
