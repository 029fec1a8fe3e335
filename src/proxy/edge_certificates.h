// The certificates of the apps' routes in the swarm. Each is a swarm secret (the record,
// labelled with its app, its names and its expiry); the global service rsm-edge-certs
// mounts them and, on every node, writes them into the edge folder (edge_folder.h) and
// asks the proxy there to reload: a new certificate reaches every node without a new
// proxy task, so no connection drops, and a node that joins gets them from the swarm.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "proxy/certificate.h"
#include "swarm/environment.h"
#include "swarm/objects.h"
#include "util/progress.h"

namespace rsm::proxy {

// Stores the app's certificate as its secret (certificate.h; the same one again changes
// nothing); returns its name. It serves once the proxy is published.
std::string store_certificate(engine::Client& manager, const std::string& env, const std::string& app,
                              const Certificate& certificate);

// Each app's certificate: its newest secret.
std::map<std::string, swarm::ObjectView> stored_certificates(engine::Client& manager, const std::string& env);

// Makes every running node's edge folder hold the certificates of exactly these apps
// (each app's newest), and waits until it does; with none, clears the folders and
// removes rsm-edge-certs. Then removes the certificates that no longer serve. rsm-acme
// may change the same service and secrets meanwhile (a renewal): a change that crosses
// one of its is made again on what it left.
void hand_out_certificates(swarm::Environment& env, engine::Client& manager, const std::vector<std::string>& apps,
                           Progress& progress);

}  // namespace rsm::proxy
