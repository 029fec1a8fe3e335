// `rsm db`: the RethinkDB cluster of an environment, built from swarm objects (see
// layout.h) through a manager's engine. Nothing about it is stored by rsm: the swarm's
// services, secret and volumes are the record. cluster.cpp holds the swarm half (services,
// volumes, logs), administration.cpp the half that talks ReQL to the cluster itself.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "db/backup/backup.h"
#include "db/backup/restore.h"
#include "db/layout.h"
#include "db/status.h"
#include "reql/connection.h"
#include "swarm/environment.h"
#include "swarm/objects.h"
#include "swarm/service_logs.h"
#include "tunnel/forwarder.h"
#include "util/progress.h"

namespace rsm::db {

struct CreateOptions {
  std::string image = kDefaultImage;
  int servers_per_node = 1;
  int replicas = 0;  // per table; 0: min(3, servers)
  bool wait = true;  // wait for the cluster to form, then replicate every table
  // Seconds a silent server has before the others count it gone and elect new primaries
  // (rethinkdb.cluster_config's heartbeat_timeout_secs); 0: default_heartbeat (heartbeat.h)
  // of the environment's nodes.
  int heartbeat = 0;
};
inline constexpr int kMinHeartbeat = 2, kMaxHeartbeat = 60;

struct CreateResult {
  std::vector<Server> servers;
  std::vector<std::string> created, updated, unchanged;  // service names
  std::vector<std::string> removed;                      // services of nodes that are gone
  std::vector<std::string> waiting;                      // servers on stopped nodes
  std::vector<std::string> replicated;                   // "db.table" reconfigured
};

// What create would do to the servers' services.
struct CreatePlan {
  std::vector<std::string> created;
  std::vector<std::pair<std::string, std::vector<std::string>>> updated;  // service, what differs
  std::vector<std::string> unchanged;
  std::vector<std::string> removed;  // services of nodes that are gone
};

class Cluster {
 public:
  Cluster(swarm::Environment& env, Progress& progress);

  // Makes or re-applies the cluster's network, secret, start script and one service per
  // server, and waits until the server of every running node runs. Never touches data.
  CreateResult create(const CreateOptions& options);

  // What create(options) would do to the services, changing nothing (servers for nodes that
  // have not joined the swarm yet are not in it).
  CreatePlan compare(const CreateOptions& options);

  // Removes the services, start scripts and network; with keep_data, the volumes and the
  // password (which the data needs) stay for a later create.
  void remove(bool keep_data);

  // The admin password, read back from a running server (a secret cannot be read through
  // the API).
  std::string password();

  // The servers' logs (swarm/service_logs.h), all of them or one server's.
  void logs(const std::string& server, const swarm::LogQuery& query,
            const std::function<void(std::string_view)>& output);

  // The services of the cluster as the swarm has them.
  std::vector<swarm::ServiceView> services();

  // The cluster's own view (system tables), read through the relay.
  StatusReport status();

  // Reconfigures every table of every user database to `replicas` (0: what create was
  // given, else min(3, servers)) and waits until all of them are ready. Returns "db.table"s.
  std::vector<std::string> replicate(int replicas);

  // Writes the user tables (or the selected ones) to `file` in rethinkdb dump's format
  // (db/backup/backup.h), through the relay.
  backup::BackupResult backup(const std::string& file, const backup::TableSelection& selection);
  // Restores an archive (db/backup/restore.h), giving each table the cluster's replica
  // count; a restore of the same archive interrupted before carries on (restore_marker.h).
  backup::RestoreResult restore(const backup::DumpReader& archive, backup::RestoreOptions options);

  // Hands every table's replicas on the servers of these nodes to the other servers (the
  // leaving servers lose their tags, so that reconfigure leaves them out), waits until the
  // tables are ready without them, then removes their services; their volumes go with their
  // machines. Throws before changing anything when the cluster does not answer or the
  // servers that stay are too few for the tables' replicas. Returns the services removed.
  std::vector<std::string> retire(const std::vector<std::string>& nodes);

  // Restarts the servers that see fewer peers than the others, waits for them, then
  // replicates (tables that still name servers that are gone get live ones). Returns the
  // servers restarted.
  std::vector<std::string> heal();

  // The web admin on 127.0.0.1:port (0: 8080 plus the environment's tunnel offset, see
  // tunnel::local_port) until SIGINT/SIGTERM; listening(port) is called once it listens.
  void admin(int port, const std::function<void(int)>& listening);

  // Says so (a warning) when a cluster of 3+ nodes has fewer than 3 managers.
  void warn_unless_highly_available();

  // A connection to db:28015 through the relay and a loopback forwarder, as admin.
  struct Session {
    std::unique_ptr<tunnel::Forwarder> forwarder;
    std::shared_ptr<reql::Connection> connection;
  };
  Session open_session();

 private:
  // Lists the environment's nodes (into nodes_) and finds a manager that answers.
  drivers::Node look_up_nodes_and_manager();
  // The services of the cluster, and no_database_error() when there are none.
  std::vector<swarm::ServiceView> existing_services();
  void wait_until_running(engine::Client& manager, const std::vector<Server>& servers);
  std::vector<std::string> relay_sockets();
  SystemTables read_system_tables(reql::Connection& connection);
  void wait_until_formed(const std::vector<std::string>& expected);
  // replicate() on a session open already (create's, which also sets the heartbeat),
  // leaving out the `leaving` servers (retire()'s).
  std::vector<std::string> replicate(reql::Connection& connection, int replicas,
                                     const std::set<std::string>& leaving = {});
  // Sets the cluster's heartbeat timeout (CreateOptions::heartbeat); the cluster must answer.
  void set_heartbeat(reql::Connection& connection, int seconds);

  swarm::Environment& env_;
  Progress& progress_;
  std::vector<drivers::Node> nodes_;
};

}  // namespace rsm::db
