// Keys and certificates made with OpenSSL's EVP and X509 APIs, written out as PEM.
#include "db/cluster_tls.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <functional>
#include <memory>

#include <fmt/format.h>

#include "util/error.h"

namespace rsm::db {

namespace {

constexpr long kTenYears = 10L * 365 * 24 * 3600;

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Certificate = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

[[noreturn]] void fail(const char* what) {
  throw Error(fmt::format("cannot make the cluster's TLS certificates: {} failed in OpenSSL", what));
}

Key new_key() {
  Key key(EVP_RSA_gen(2048));
  if (!key) fail("EVP_RSA_gen");
  return key;
}

void add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (!extension || X509_add_ext(certificate, extension, -1) != 1) fail("X509_add_ext");
  X509_EXTENSION_free(extension);
}

// A certificate for `key` named `common_name`, signed by issuer_key (self-signed when
// issuer is null).
Certificate make_certificate(EVP_PKEY* key, const std::string& common_name, X509* issuer, EVP_PKEY* issuer_key,
                             bool authority) {
  Certificate certificate(X509_new());
  if (!certificate) fail("X509_new");
  X509* x = certificate.get();
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) fail("RAND_bytes");
  serial[0] &= 0x7f;  // a positive serial number
  BIGNUM* number = BN_bin2bn(serial, sizeof serial, nullptr);
  if (!number || !BN_to_ASN1_INTEGER(number, X509_get_serialNumber(x))) fail("BN_to_ASN1_INTEGER");
  BN_free(number);
  X509_set_version(x, 2);                          // v3
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);  // an hour of clock skew between nodes
  X509_gmtime_adj(X509_getm_notAfter(x), kTenYears);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
  X509* signer = issuer ? issuer : x;
  if (authority) {
    add_extension(x, signer, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(x, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(x, signer, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(x, signer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_extension(x, signer, NID_ext_key_usage, "serverAuth,clientAuth");
  }
  add_extension(x, signer, NID_subject_key_identifier, "hash");
  if (X509_sign(x, issuer_key, EVP_sha256()) <= 0) fail("X509_sign");
  return certificate;
}

std::string pem(const std::function<int(BIO*)>& write) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) fail("PEM_write");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

ClusterTls make_cluster_tls(const std::string& env) {
  Key ca_key = new_key();
  Certificate ca = make_certificate(ca_key.get(), fmt::format("rsm {} cluster CA", env), nullptr, ca_key.get(), true);
  Key key = new_key();
  Certificate certificate =
      make_certificate(key.get(), fmt::format("rsm {} cluster", env), ca.get(), ca_key.get(), false);
  return {.ca_certificate = pem([&](BIO* bio) { return PEM_write_bio_X509(bio, ca.get()); }),
          .certificate = pem([&](BIO* bio) { return PEM_write_bio_X509(bio, certificate.get()); }),
          .private_key = pem([&](BIO* bio) {
            return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
          })};
}

}  // namespace rsm::db
