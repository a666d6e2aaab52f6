#!/usr/bin/env bash
# Runs a command in a network namespace of its own, as the test lanes do (test/runner/lanes.ts):
# only a loopback, on which MariaDB's unix socket is forwarded to 127.0.0.1:3306. A benchmark's
# Asterisk started in it listens on the usual ports without meeting any other on this machine.
#   scripts/in-netns.sh <command> [args...]
set -euo pipefail
[[ $(id -u) -eq 0 ]] || { echo "in-netns.sh: must run as root (ip netns)" >&2; exit 1; }
ns="sb-bench-$$"
socket=$(mysql --protocol=tcp -h 127.0.0.1 -u root -N -e 'SELECT @@socket')
ip netns add "$ns"
socat_pid=""
cleanup() {
  [[ -n "$socat_pid" ]] && kill "$socat_pid" 2>/dev/null || true
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
nsenter --net="/run/netns/$ns" ip link set lo up
nsenter --net="/run/netns/$ns" socat TCP-LISTEN:3306,bind=127.0.0.1,reuseaddr,fork "UNIX-CONNECT:$socket" &
socat_pid=$!
for _ in $(seq 100); do
  nsenter --net="/run/netns/$ns" mysqladmin --protocol=tcp -h 127.0.0.1 -u root ping >/dev/null 2>&1 && break
  sleep 0.1
done
nsenter --net="/run/netns/$ns" "$@"
