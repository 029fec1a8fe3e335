#!/usr/bin/env bash
# The digitalocean driver against the real API, for a person with a token (never run by
# CI: droplets cost money). The flow of the stand-in's integration test: one manager in
# each of three regions plus a worker, a swarm, the database, the firewall probed from
# here (ssh answers, the swarm's ports do not), then `rsm nodes rm`, and the API asked
# that no droplet, key, firewall or tag of the environment is left. Whatever happens, the
# environment is removed on the way out (also on Ctrl-C).
#
#   DIGITALOCEAN_ACCESS_TOKEN=... tests/real/digitalocean.sh   (RSM=path/to/rsm, default build/rsm)
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ -z "${DIGITALOCEAN_ACCESS_TOKEN:-}" ]; then
  echo "skipped: set DIGITALOCEAN_ACCESS_TOKEN (a token with write access) to run against the real API"
  exit 0
fi
rsm=${RSM:-build/rsm}
env=rsmreal-$(date +%s)
api=${DIGITALOCEAN_API_URL:-https://api.digitalocean.com}

cleanup() {
  echo "== removing $env"
  "$rsm" nodes rm "$env" -f || echo "rsm nodes rm $env failed: remove the droplets tagged rsm-env-$env by hand"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

asked() { curl -fsS -H "Authorization: Bearer $DIGITALOCEAN_ACCESS_TOKEN" "$api$1"; }

start=$(date +%s)
"$rsm" nodes create "$env" -d digitalocean -m 1 --region nyc3
"$rsm" nodes create "$env" -d digitalocean -m 1 -w 1 --region fra1
"$rsm" nodes create "$env" -d digitalocean -m 1 --region sgp1
echo "== 4 droplets in 3 regions, a ready swarm, in $(( $(date +%s) - start )) s"
"$rsm" nodes ls "$env"
"$rsm" env ls
"$rsm" db create "$env"
"$rsm" db status "$env"

address=$("$rsm" nodes ls "$env" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
timeout 5 bash -c "</dev/tcp/$address/22" && echo "ssh answers on $address (as it must)"
if timeout 5 bash -c "</dev/tcp/$address/2377" 2>/dev/null; then
  echo "FAILED: the swarm's port 2377 answers on $address from here"
  exit 1
fi
echo "the swarm's port 2377 does not answer from here (as it must)"

"$rsm" nodes rm "$env" -f
trap - EXIT
left=$(asked "/v2/droplets?tag_name=rsm-env-$env" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["droplets"]))')
firewalls=$(asked "/v2/firewalls?per_page=200" | python3 -c "import json,sys; print(sum(f['name']=='rsm-$env' for f in json.load(sys.stdin)['firewalls']))")
keys=$(asked "/v2/account/keys?per_page=200" | python3 -c "import json,sys; print(sum(k['name']=='rsm-$env' for k in json.load(sys.stdin)['ssh_keys']))")
echo "left behind: $left droplets, $firewalls firewalls, $keys keys"
[ "$left$firewalls$keys" = 000 ] || { echo "FAILED: something of $env is left in the account"; exit 1; }
echo "passed"
