// Certificates read with OpenSSL's PEM and X509 APIs; the checks a browser makes that do
// not depend on who it trusts.
#include "proxy/certificate.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iomanip>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "swarm/labels.h"
#include "util/content_hash.h"
#include "util/error.h"

namespace rsm::proxy {

namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using X509Pointer = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

Bio reading(const std::string& text) { return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size()))); }

std::string written(const std::function<int(BIO*)>& write) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) throw Error("cannot write a certificate as PEM: OpenSSL failed");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

// A passphrase callback that gives none: an encrypted key fails instead of prompting.
int no_passphrase(char*, int, int, void*) { return 0; }

std::time_t to_time(const ASN1_TIME* time) {
  std::tm parts{};
  ASN1_TIME_to_tm(time, &parts);
  return timegm(&parts);
}

std::vector<std::string> dns_names(X509* certificate) {
  std::vector<std::string> names;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
    if (name->type != GEN_DNS) continue;
    const ASN1_STRING* text = name->d.dNSName;
    names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                       static_cast<size_t>(ASN1_STRING_length(text)));
  }
  GENERAL_NAMES_free(sans);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

Certificate check_certificate(const std::string& certificate_pem, const std::string& key_pem,
                              const std::vector<std::string>& hosts, const std::string& what) {
  auto refuse = [&](const std::string& why) { return UsageError(fmt::format("{}: {}", what, why)); };
  std::vector<X509Pointer> chain;
  auto certificates = reading(certificate_pem);
  while (X509* next = PEM_read_bio_X509(certificates.get(), nullptr, no_passphrase, nullptr)) chain.emplace_back(next);
  ERR_clear_error();  // the end of the text is a failed read
  if (chain.empty()) throw refuse("no PEM certificate in it (-----BEGIN CERTIFICATE-----)");
  auto keys = reading(key_pem);
  Key key(PEM_read_bio_PrivateKey(keys.get(), nullptr, no_passphrase, nullptr));
  ERR_clear_error();
  if (!key) throw refuse("no private key in the key file, or one with a passphrase: give it unencrypted");
  X509* leaf = chain.front().get();
  if (X509_check_private_key(leaf, key.get()) != 1)
    throw refuse("the key is not the certificate's key: give the key it was made with");

  Certificate result{.names = dns_names(leaf),
                     .not_before = to_time(X509_get0_notBefore(leaf)),
                     .not_after = to_time(X509_get0_notAfter(leaf))};
  std::time_t now = std::time(nullptr);
  if (result.not_after <= now) throw refuse(fmt::format("the certificate expired on {}", utc_time(result.not_after)));
  if (result.not_before > now)
    throw refuse(fmt::format("the certificate is valid only from {}", utc_time(result.not_before)));
  for (const auto& host : hosts)
    if (X509_check_host(leaf, host.data(), host.size(), 0, nullptr) != 1)
      throw refuse(
          fmt::format("the certificate is not for {} (it is for {}): give one for every host", host,
                      result.names.empty() ? "no DNS name" : fmt::format("{}", fmt::join(result.names, ", "))));

  for (const auto& certificate : chain)
    result.pem += written([&](BIO* bio) { return PEM_write_bio_X509(bio, certificate.get()); });
  result.pem += written(
      [&](BIO* bio) { return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
  return result;
}

std::string read_pem_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("cannot read {}: give the path of a PEM file", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Certificate read_certificate(const std::string& certificate_file, const std::string& key_file,
                             const std::vector<std::string>& hosts) {
  std::string certificate = read_pem_file(certificate_file);
  return check_certificate(certificate, read_pem_file(key_file), hosts, certificate_file);
}

std::string certificate_secret_name(const std::string& app, const Certificate& certificate) {
  // Secret names take 64 characters; the app's name is in the labels in full.
  return fmt::format("rsm-tls-{}-{}", app.substr(0, 40), content_hash({certificate.pem}).substr(0, 12));
}

nlohmann::json certificate_secret_labels(const std::string& env, const std::string& app,
                                         const Certificate& certificate) {
  return {{swarm::kEnvLabel, env},
          {swarm::kComponentLabel, kCertificateComponent},
          {kCertificateAppLabel, app},
          {kCertificateNamesLabel, fmt::format("{}", fmt::join(certificate.names, ","))},
          {kCertificateIssuedLabel, utc_time(certificate.not_before)},
          {kCertificateExpiryLabel, utc_time(certificate.not_after)}};
}

std::string utc_time(std::time_t time) {
  std::tm parts{};
  gmtime_r(&time, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::time_t parse_utc_time(const std::string& text) {
  std::tm parts{};
  std::istringstream in(text);
  in >> std::get_time(&parts, "%Y-%m-%dT%H:%M:%SZ");
  return in.fail() ? 0 : timegm(&parts);
}

}  // namespace rsm::proxy
