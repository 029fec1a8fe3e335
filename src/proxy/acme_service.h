// rsm-acme in the swarm: one task on a manager, on the apps' network, running rsm's
// program next to Debian's lego (an image made from Debian packages), with the orders as
// a Docker config. rsm keeps the orders in step with the apps that have `tls: auto` and,
// when an app is deployed, waits until its certificate is stored or rsm-acme says why
// the ACME server refused it.
#pragma once

#include <string>
#include <vector>

#include "proxy/acme_orders.h"
#include "swarm/environment.h"
#include "util/progress.h"

namespace rsm::proxy {

// What the user may say about the ACME server (`acme: {directory, email, ca}`); empty
// fields keep what the environment has (Let's Encrypt, no email, no extra root at first).
struct AcmeSettings {
  std::string directory;
  std::string email;
  std::string ca_file;  // the root of a private ACME server's HTTPS, PEM
};

// The orders rsm-acme keeps now and its server (none, and Let's Encrypt, when it does not run).
AcmeOrders current_orders(engine::Client& manager, const std::string& env);

// The orders with what the settings say; UsageError when the CA file cannot be read.
AcmeOrders with_settings(AcmeOrders orders, const AcmeSettings& settings);

// Makes rsm-acme keep exactly these orders; none removes it. Unchanged orders change
// nothing. With `wait_for` (an app's name), waits until that app has a certificate for
// its order's hosts, or throws Error in one line with the ACME server's reason.
void keep_certificates(swarm::Environment& env, engine::Client& manager, const std::string& network, AcmeOrders orders,
                       const std::string& wait_for, Progress& progress);

}  // namespace rsm::proxy
