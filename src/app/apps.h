// `rsm app`: stateless apps as swarm services of an environment (see app_spec.h). The
// swarm's services are the record; rsm keeps nothing of its own.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/app_spec.h"
#include "proxy/certificate.h"
#include "proxy/haproxy_config.h"
#include "swarm/environment.h"
#include "swarm/objects.h"
#include "swarm/resources.h"
#include "swarm/service_logs.h"
#include "util/progress.h"

namespace rsm::app {

enum class DeployOutcome { Created, Updated, Unchanged };

struct AppRow {
  std::string name;
  std::string image;
  int replicas = 0;  // wanted
  int running = 0;
  std::string ports;
  std::string timeout;              // the edge proxy's wait for an answer, "30s"
  std::vector<std::string> urls;    // the ports on every running node, through the edge proxy
  std::vector<std::string> routes;  // http(s)://HOST/PATH/ for each of its host names
  std::string certificate_expires;  // when its routes' certificate does (utc_time), if they have one
  std::string update;               // the last update's state: completed, rollback_completed, updating, ...
  std::string update_message;       // the engine's word on it ("manually requested rollback")
  std::string failure;              // why the newest failed task failed, when fewer run than wanted
};

// A row as `rsm app ls --json` and `rsm status --json` print it.
nlohmann::json to_json(const AppRow& row);

struct TaskRow {
  std::string id;
  std::string node;
  std::string state;    // running, starting, failed, ...
  std::string desired;  // running, shutdown
  std::string image;
  std::string error;
};

class Apps {
 public:
  Apps(swarm::Environment& env, Progress& progress);

  // Creates the app or updates it (new tasks first; a failed update rolls back by itself
  // and is thrown as Error). replicas: nullopt keeps the current count (2 for a new app).
  // Returns once every wanted task runs and the edge proxy publishes the app's ports.
  DeployOutcome deploy(DeployRequest request, std::optional<int> replicas);
  // What deploy would do, changing nothing: Created, Updated (with what differs, see
  // swarm::compare_service) or Unchanged. The same UsageErrors as deploy, but for a
  // missing secret that the caller stores before deploying (`coming_secrets`).
  swarm::ServiceChange compare(DeployRequest request, std::optional<int> replicas,
                               const std::set<std::string>& coming_secrets, std::vector<std::string>& differences);
  // The apps' names.
  std::vector<std::string> names();
  std::vector<AppRow> list();
  std::vector<TaskRow> tasks(const std::string& name);
  void logs(const std::string& name, const swarm::LogQuery& query, const std::function<void(std::string_view)>& output);
  // Runs argv in a running task of the app (the lowest slot's, or the first on the machine
  // `node` when named) with this process's stdin, stdout and stderr (engine::exec_attached);
  // returns its exit code.
  int exec(const std::string& name, const std::string& node, const std::vector<std::string>& argv, bool tty);
  void scale(const std::string& name, int replicas);
  // Back to the spec before the last update.
  void rollback(const std::string& name);
  void remove(const std::string& name);

 private:
  std::vector<swarm::ServiceView> services(engine::Client& manager);
  // The app's service, if any; UsageError when the name is a service that is no app.
  std::optional<swarm::ServiceView> existing_app(engine::Client& manager, const std::string& name);
  // The swarm secret of each of the request's secrets; UsageError naming a missing one.
  std::map<std::string, swarm::ObjectView> secret_objects(engine::Client& manager, const DeployRequest& request,
                                                          const std::set<std::string>& coming_secrets = {});
  // The app's service; UsageError naming `rsm app ls` when there is none.
  swarm::ServiceView find(engine::Client& manager, const std::string& name);
  // Every port of every app, for the edge proxy.
  std::vector<proxy::Backend> backends(engine::Client& manager);
  // The edge serves (or is about to) this certificate for the app.
  bool serves_certificate(engine::Client& manager, const std::string& app, const proxy::Certificate& certificate);
  // UsageError when the request claims a port, or a host and path, another app has.
  static void check_claims(const std::vector<proxy::Backend>& published, const DeployRequest& request);
  // The orders of the apps with `tls: auto` (but `leaving`) for rsm-acme.
  std::vector<proxy::AcmeOrder> acme_orders(engine::Client& manager, const std::string& leaving = "");
  // Has rsm-acme get the request's certificate, before the app changes: refused, rsm-acme
  // goes back to what it kept and the Error propagates.
  void order_certificate(engine::Client& manager, const DeployRequest& request, proxy::AcmeOrders acme);
  // The edge proxy, rsm-acme's orders and the certificates in step with the apps.
  void publish_ports(engine::Client& manager);
  void wait_for_tasks(engine::Client& manager, const std::string& name, int replicas);
  // Waits for the update (or rollback) just asked for to finish; throws when it failed.
  void wait_for_update(engine::Client& manager, const std::string& name, bool rollback);

  swarm::Environment& env_;
  Progress& progress_;
};

}  // namespace rsm::app
