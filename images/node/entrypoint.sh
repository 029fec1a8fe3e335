#!/bin/sh
# Starts the node's own dockerd. Works in a --privileged container and in the narrower
# set rsm uses where --privileged is refused (no CAP_SYS_RESOURCE): there /sys and the
# cgroup mounts come read-only and dockerd needs them writable.
set -eu

if ! touch /sys/.rsm-probe 2>/dev/null; then
  mount -o remount,rw /sys
fi
rm -f /sys/.rsm-probe 2>/dev/null || true

awk '$3 ~ /^cgroup/ && $4 ~ /(^|,)ro(,|$)/ { print $2 }' /proc/self/mounts | while read -r mountpoint; do
  mount -o remount,bind,rw "$mountpoint"
done

# A node that was stopped hard leaves pid files that make dockerd and containerd refuse to start.
rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid /run/docker/containerd/containerd.pid

# A node in its environment's WireGuard mesh (rsm wrote /etc/rsm/mesh-up) brings the mesh
# back before its engine, whose swarm address is there; wireguard-go, for kernels without
# WireGuard, needs the tun device.
mkdir -p /dev/net
[ -c /dev/net/tun ] || mknod /dev/net/tun c 10 200 2>/dev/null || true
if [ -x /etc/rsm/mesh-up ]; then
  /etc/rsm/mesh-up || echo "rsm-node: the WireGuard mesh did not come up; rsm nodes start brings it back" >&2
fi

# /run/rsm is a volume: the host reaches this engine through the socket in it.
mkdir -p /run/rsm
exec dockerd --host unix:///var/run/docker.sock --host unix:///run/rsm/docker.sock "$@"
