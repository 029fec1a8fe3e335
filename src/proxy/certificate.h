// The user's own certificate for an app's routes (`tls: {cert, key}`): read and checked
// before anything changes, so that the edge never serves a certificate that a browser
// refuses for a reason rsm could have seen (expired, another name, a key that is not its).
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rsm::proxy {

struct Certificate {
  std::string pem;                 // the certificate, its chain, then the key: what HAProxy reads
  std::vector<std::string> names;  // the DNS names it is for, sorted
  std::time_t not_before = 0;
  std::time_t not_after = 0;
};

// A certificate of an app's routes is kept as a swarm secret with these labels (besides
// the environment's), named after its content: by rsm for the user's own, by rsm-acme for
// those it gets. An app's newest one serves.
inline constexpr const char* kCertificateComponent = "edge-certificate";
inline constexpr const char* kCertificatesService = "rsm-edge-certs";  // hands them to every node
inline constexpr const char* kCertificateAppLabel = "rsm.tls.app";
inline constexpr const char* kCertificateNamesLabel = "rsm.tls.names";     // comma-separated
inline constexpr const char* kCertificateIssuedLabel = "rsm.tls.issued";   // utc_time(not_before)
inline constexpr const char* kCertificateExpiryLabel = "rsm.tls.expires";  // utc_time(not_after)
std::string certificate_secret_name(const std::string& app, const Certificate& certificate);
nlohmann::json certificate_secret_labels(const std::string& env, const std::string& app,
                                         const Certificate& certificate);

// Checks PEM text: a certificate (then its chain) and its private key, unencrypted, valid
// now and for every host. Throws UsageError in one line naming `what` ("--tls-cert
// site.pem") otherwise.
Certificate check_certificate(const std::string& certificate_pem, const std::string& key_pem,
                              const std::vector<std::string>& hosts, const std::string& what);

// Reads the two files (they may be one) and checks them as above.
Certificate read_certificate(const std::string& certificate_file, const std::string& key_file,
                             const std::vector<std::string>& hosts);

// The text of a PEM file; UsageError naming it when it cannot be read.
std::string read_pem_file(const std::string& path);

// "2027-03-01T12:00:00Z", as labels and --json carry an expiry; and back (0 when empty or malformed).
std::string utc_time(std::time_t time);
std::time_t parse_utc_time(const std::string& text);

}  // namespace rsm::proxy
