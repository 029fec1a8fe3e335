// The user's own certificate for an app's routes (`tls: {cert, key}`): read and checked
// before anything changes, so that the edge never serves a certificate that a browser
// refuses for a reason rsm could have seen (expired, another name, a key that is not its).
#pragma once

#include <ctime>
#include <string>
#include <vector>

namespace rsm::proxy {

struct Certificate {
  std::string pem;                 // the certificate, its chain, then the key: what HAProxy reads
  std::vector<std::string> names;  // the DNS names it is for
  std::time_t not_after = 0;
};

// Checks PEM text: a certificate (then its chain) and its private key, unencrypted, valid
// now and for every host. Throws UsageError in one line naming `what` ("--tls-cert
// site.pem") otherwise.
Certificate check_certificate(const std::string& certificate_pem, const std::string& key_pem,
                              const std::vector<std::string>& hosts, const std::string& what);

// Reads the two files (they may be one) and checks them as above.
Certificate read_certificate(const std::string& certificate_file, const std::string& key_file,
                             const std::vector<std::string>& hosts);

// "2027-03-01T12:00:00Z", as labels and --json carry an expiry; and back (0 when empty or malformed).
std::string utc_time(std::time_t time);
std::time_t parse_utc_time(const std::string& text);

}  // namespace rsm::proxy
