// The folder the edge proxy shares on each node with rsm-edge-certs (a local volume of
// that node): the certificates the proxy serves, the list it reads them from, and the
// socket of HAProxy's master process, which the certificates' writer asks to reload. A
// certificate changes there without a new proxy task, so no connection drops.
#pragma once

namespace rsm::proxy {

inline constexpr const char* kEdgeVolume = "rsm-edge";
inline constexpr const char* kEdgeFolder = "/run/rsm-edge";
inline constexpr const char* kCertificateFolder = "/run/rsm-edge/certs";     // NAME.pem: certificate, chain, key
inline constexpr const char* kCertificateList = "/run/rsm-edge/certs.list";  // HAProxy's crt-list of them
inline constexpr const char* kMasterSocket = "/run/rsm-edge/master.sock";    // HAProxy's master CLI

}  // namespace rsm::proxy
