#!/bin/sh
# Boots a test "machine" in a container: systemd as PID 1 with sshd and (when installed)
# Docker, the way a VM boots. It makes /sys and the cgroup mounts writable (the container
# is not --privileged), makes its ssh host keys on first boot (or takes the one it is
# given), logs in three users with the test keys (RSM_TEST_AUTHORIZED_KEY, one per line:
# root; admin with passwordless sudo; plain without sudo), and adds the
# routes to the other "regions" through the test router.
set -eu

if ! touch /sys/.rsm-probe 2>/dev/null; then
  mount -o remount,rw /sys
fi
rm -f /sys/.rsm-probe 2>/dev/null || true
awk '$3 ~ /^cgroup/ && $4 ~ /(^|,)ro(,|$)/ { print $2 }' /proc/self/mounts | while read -r mountpoint; do
  mount -o remount,bind,rw "$mountpoint"
done

# wireguard-go needs the tun device (the kernel here has no WireGuard).
mkdir -p /dev/net
[ -c /dev/net/tun ] || mknod /dev/net/tun c 10 200

# RSM_TEST_HOST_KEY: an ed25519 private key to be the only host key, as cloud-init's
# ssh_keys sets it on a cloud machine; else keys of its own.
if [ ! -e /etc/ssh/.rsm-test-keys ]; then
  rm -f /etc/ssh/ssh_host_*
  if [ -n "${RSM_TEST_HOST_KEY:-}" ]; then
    printf '%s\n' "$RSM_TEST_HOST_KEY" >/etc/ssh/ssh_host_ed25519_key
    chmod 600 /etc/ssh/ssh_host_ed25519_key
    ssh-keygen -y -f /etc/ssh/ssh_host_ed25519_key >/etc/ssh/ssh_host_ed25519_key.pub
  else
    ssh-keygen -A >/dev/null
  fi
  touch /etc/ssh/.rsm-test-keys
fi

for user in root admin plain; do
  if ! getent passwd "$user" >/dev/null; then useradd -m -s /bin/bash "$user"; fi
  home=$(getent passwd "$user" | cut -d: -f6)
  mkdir -p "$home/.ssh"
  printf '%s\n' "$RSM_TEST_AUTHORIZED_KEY" >"$home/.ssh/authorized_keys"
  chown -R "$user" "$home/.ssh"
  chmod 700 "$home/.ssh"
done
echo 'admin ALL=(ALL) NOPASSWD:ALL' >/etc/sudoers.d/admin

# RSM_TEST_ROUTES="SUBNET via ROUTER;..." for the other regions.
echo "${RSM_TEST_ROUTES:-}" | tr ';' '\n' | while read -r route; do
  [ -z "$route" ] || ip route replace $route
done

exec /sbin/init
