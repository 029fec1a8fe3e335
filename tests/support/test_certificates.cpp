#include "support/test_certificates.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <functional>
#include <stdexcept>

namespace rsm::testing {

namespace {

EVP_PKEY* new_key() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) throw std::runtime_error("EVP_EC_gen failed");
  return key;
}

void add_extension(X509* certificate, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (!extension || X509_add_ext(certificate, extension, -1) != 1) throw std::runtime_error("X509_add_ext failed");
  X509_EXTENSION_free(extension);
}

X509* make(EVP_PKEY* key, const std::string& common_name, X509* issuer, EVP_PKEY* issuer_key, long not_before,
           long not_after) {
  X509* x = X509_new();
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* number = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(number, X509_get_serialNumber(x));
  BN_free(number);
  X509_set_version(x, 2);
  X509_gmtime_adj(X509_getm_notBefore(x), not_before);
  X509_gmtime_adj(X509_getm_notAfter(x), not_after);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
  X509* signer = issuer ? issuer : x;
  add_extension(x, signer, NID_subject_key_identifier, "hash");
  if (!issuer) {
    add_extension(x, signer, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(x, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(x, signer, NID_authority_key_identifier, "keyid:always");
    add_extension(x, signer, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(x, signer, NID_ext_key_usage, "serverAuth");
  }
  X509_sign(x, issuer_key, EVP_sha256());
  return x;
}

std::string pem(const std::function<int(BIO*)>& write) {
  BIO* bio = BIO_new(BIO_s_mem());
  write(bio);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<size_t>(size));
  BIO_free(bio);
  return text;
}

std::string certificate_pem(X509* x) {
  return pem([&](BIO* bio) { return PEM_write_bio_X509(bio, x); });
}

std::string key_pem(EVP_PKEY* key) {
  return pem([&](BIO* bio) { return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr); });
}

}  // namespace

TestCa::TestCa() {
  EVP_PKEY* key = new_key();
  X509* cert = make(key, "rsm test CA", nullptr, key, -3600, 365L * 24 * 3600);
  key_ = key;
  cert_ = cert;
  root_ = certificate_pem(cert);
}

TestCa::~TestCa() {
  X509_free(static_cast<X509*>(cert_));
  EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
}

TestCertificate TestCa::issue(const std::vector<std::string>& names, std::chrono::seconds not_after,
                              std::chrono::seconds not_before) const {
  EVP_PKEY* key = new_key();
  X509* cert = make(key, names.front(), static_cast<X509*>(cert_), static_cast<EVP_PKEY*>(key_),
                    static_cast<long>(not_before.count()), static_cast<long>(not_after.count()));
  std::string sans;
  for (const auto& name : names) {
    bool address = name.find_first_not_of("0123456789.") == std::string::npos;
    sans += (sans.empty() ? "" : ",") + std::string(address ? "IP:" : "DNS:") + name;
  }
  // Extensions after signing would break the signature: sign again with the names.
  add_extension(cert, static_cast<X509*>(cert_), NID_subject_alt_name, sans);
  X509_sign(cert, static_cast<EVP_PKEY*>(key_), EVP_sha256());
  TestCertificate result{certificate_pem(cert) + root_, key_pem(key)};
  X509_free(cert);
  EVP_PKEY_free(key);
  return result;
}

std::string encrypted_key(const std::string& key_text, const std::string& passphrase) {
  BIO* in = BIO_new_mem_buf(key_text.data(), static_cast<int>(key_text.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
  BIO_free(in);
  std::string text = pem([&](BIO* bio) {
    return PEM_write_bio_PKCS8PrivateKey(bio, key, EVP_aes_256_cbc(), passphrase.data(),
                                         static_cast<int>(passphrase.size()), nullptr, nullptr);
  });
  EVP_PKEY_free(key);
  return text;
}

void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

}  // namespace rsm::testing
