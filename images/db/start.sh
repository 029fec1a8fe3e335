#!/bin/sh
# Starts one RethinkDB server of an rsm cluster. rsm ships this file to every server as a
# Docker config; the service sets:
#   RSM_SERVER_NAME    the server's name (after its node)
#   RSM_SERVER_TAGS    its tags, space separated
#   RSM_CLUSTER_ALIAS  the name every server of the cluster has on the network ("db")
#   RSM_STANDALONE     1 when the cluster has this one server only
#   RSM_PASSWORD_FILE  the admin password (a Docker secret)
#   RSM_CLUSTER_TLS    1: servers talk TLS to each other with the environment's CA and
#                      certificate (the secrets rsm-db-cluster-ca, -cert and -key)
set -eu
# As PID 1 the shell ignores SIGTERM unless told: stopping a server that is still waiting
# for a peer would otherwise take the whole stop grace period.
trap 'exit 143' TERM INT

data=/data/rethinkdb_data
cluster_port=29015

# First start on an empty volume: `rethinkdb create` names the server and sets the admin
# password, and makes no `test` database (a plain first start makes one, which would
# collide with the cluster's own). The password only appears in this short-lived process.
if [ ! -e "$data/metadata" ]; then
  rm -rf "$data.new"
  set --
  for tag in $RSM_SERVER_TAGS; do set -- "$@" --server-tag "$tag"; done
  rethinkdb create --directory "$data.new" --server-name "$RSM_SERVER_NAME" "$@" \
    --initial-password "$(cat "$RSM_PASSWORD_FILE")"
  mv "$data.new" "$data"
fi

# This server's own overlay address; the only one it advertises (by default a server also
# advertises its gateway-bridge address, which is the same on every node).
self=$(getent hosts "$(cat /etc/hostname)")
self=${self%%[[:space:]]*}

# Join the other servers that are up now, by address: joining through the shared alias
# fails (a server ignores itself), and rethinkdb exits when a --join name does not
# resolve. Never start alone while the cluster has other servers: a server started alone
# stays alone (peers only retry its old address, and no server stores peer addresses).
while :; do
  set --
  for word in $(getent ahostsv4 "$RSM_CLUSTER_ALIAS" 2>/dev/null || true); do
    case "$word" in
      *[!0-9.]* | "$self") continue ;;
    esac
    case " $* " in
      *" --join $word:$cluster_port "*) ;;
      *) set -- "$@" --join "$word:$cluster_port" ;;
    esac
  done
  if [ $# -gt 0 ] || [ "${RSM_STANDALONE:-0}" = 1 ]; then break; fi
  echo "rsm: $RSM_SERVER_NAME waits for another server of the cluster to be up" >&2
  sleep 2
done

# Only servers holding this environment's certificate can join: the admin password
# protects clients, not membership.
if [ "${RSM_CLUSTER_TLS:-0}" = 1 ]; then
  set -- "$@" --cluster-tls-key /run/secrets/rsm-db-cluster-key \
    --cluster-tls-cert /run/secrets/rsm-db-cluster-cert --cluster-tls-ca /run/secrets/rsm-db-cluster-ca
fi

exec rethinkdb --directory "$data" --bind all --cluster-port "$cluster_port" --canonical-address "$self" "$@"
