#!/usr/bin/env bash
# Asterisk sandbox for Switchboard development and tests.
#
# Debian 12 ships no asterisk package, so we run Debian sid's Asterisk 22
# inside a minbase chroot. The chroot shares the host's network: whatever
# http.conf / pjsip.conf bind is reachable on the host's loopback.
#
# Usage:
#   scripts/asterisk-sandbox.sh provision        build the chroot once (cached)
#   scripts/asterisk-sandbox.sh start [--clean]  (re)start Asterisk with $CONFIG_SRC
#   scripts/asterisk-sandbox.sh stop
#   scripts/asterisk-sandbox.sh status           exit 0 running, 3 stopped
#   scripts/asterisk-sandbox.sh cli "<command>"  run an Asterisk CLI command
#
# Environment:
#   SANDBOX_DIR   chroot location (default /var/cache/switchboard/asterisk-sid)
#   ARI_USERNAME  ARI user written into ari_users.conf (default switchboard)
#   ARI_PASSWORD  ARI password (required by start)
#   ARI_PORT      HTTP/ARI port on 127.0.0.1 (default 8088)
#   SIP_PORT      SIP UDP/TCP port on 127.0.0.1 (default 5060)
#   RTP_START     first RTP port (default 10000; the range is 2000 ports wide)
#   CONFIG_SRC    directory copied into the chroot's /etc/asterisk on start
#                 (default: the repository's asterisk-config/; relative paths
#                 are taken from the repository root)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"
# Directory whose files become the chroot's /etc/asterisk (a relative path is
# taken from the repository root, e.g. test/carrier/asterisk-config).
CONFIG_SRC="${CONFIG_SRC:-$REPO_DIR/asterisk-config}"
[[ "$CONFIG_SRC" == /* ]] || CONFIG_SRC="$REPO_DIR/$CONFIG_SRC"
REPO_CONFIG_DIR="${CONFIG_SRC%/}"

DIR="${SANDBOX_DIR:-/var/cache/switchboard/asterisk-sid}"
DIR="${DIR%/}"
MARKER="$DIR/.switchboard-provisioned"
PIDFILE="$DIR/.switchboard-asterisk.pid"
LOCKFILE="$DIR.lock"
ARI_PORT="${ARI_PORT:-8088}"
SIP_PORT="${SIP_PORT:-5060}"
RTP_START="${RTP_START:-10000}"
ARI_USERNAME="${ARI_USERNAME:-switchboard}"
MIRROR="http://deb.debian.org/debian"
CHROOT_PACKAGES=(asterisk asterisk-core-sounds-en-gsm asterisk-moh-opsound-gsm)
GEN_DIR_REL="etc/asterisk/switchboard"
START_TIMEOUT=60
STOP_TIMEOUT=10

log() { printf '[asterisk-sandbox] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

need_root() {
  [[ $(id -u) -eq 0 ]] || die "must run as root (chroot, mount)"
}

# Install a host package only when its command is missing (fresh machine).
ensure_host_cmd() {
  local cmd="$1" pkg="$2"
  if ! command -v "$cmd" >/dev/null 2>&1; then
    log "installing $pkg on the host"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$pkg"
  fi
}

# Lists mount points at or below $1 (deepest first), from /proc/self/mounts.
mounts_under() {
  local base
  base="$(realpath -m "$1")"
  awk -v b="$base" '{ m=$2; gsub(/\\040/, " ", m); if (m == b || index(m, b "/") == 1) print m }' \
    /proc/self/mounts | sort -r
}

umount_all_under() {
  local m
  while IFS= read -r m; do
    [[ -n "$m" ]] || continue
    umount "$m" 2>/dev/null || umount -l "$m" || true
  done < <(mounts_under "$1")
}

# rm -rf a directory, but never while anything (like a bind of /dev) is
# mounted below it.
safe_rmtree() {
  local d="$1"
  [[ -d "$d" ]] || return 0
  umount_all_under "$d"
  if [[ -n "$(mounts_under "$d")" ]]; then
    log "refusing to delete $d: still has mounts"
    return 1
  fi
  rm -rf --one-file-system "$d"
}

# ---------------------------------------------------------------- provision

do_provision() {
  need_root
  if [[ -f "$MARKER" ]]; then
    log "chroot already provisioned at $DIR"
    return 0
  fi
  mkdir -p "$(dirname "$DIR")"
  exec 9>"$LOCKFILE"
  flock -w 900 9 || die "another provision holds $LOCKFILE"
  if [[ -f "$MARKER" ]]; then  # built by whoever held the lock
    exec 9>&-
    return 0
  fi
  [[ ! -e "$DIR" ]] || die "$DIR exists but has no marker ($MARKER); remove it (after unmounting $DIR/proc and $DIR/dev) and retry"

  # Leftovers of interrupted builds; we hold the lock, so none is in use.
  local old
  for old in "$DIR".tmp.*; do
    [[ -d "$old" ]] || continue
    log "removing stale partial build $old"
    safe_rmtree "$old" || true
  done

  ensure_host_cmd debootstrap debootstrap

  local tmp t0
  t0=$(date +%s)
  tmp="$(mktemp -d "$DIR.tmp.XXXXXX")"
  chmod 755 "$tmp"  # mktemp makes it 0700; it becomes the chroot's /
  # shellcheck disable=SC2064
  trap "log 'provision failed; cleaning $tmp'; safe_rmtree '$tmp' || true" EXIT

  log "debootstrap sid into $tmp (takes ~30 s)"
  debootstrap --variant=minbase sid "$tmp" "$MIRROR" >"$tmp.debootstrap.log" 2>&1 || {
    tail -n 30 "$tmp.debootstrap.log" >&2
    rm -f "$tmp.debootstrap.log"
    die "debootstrap failed"
  }
  rm -f "$tmp.debootstrap.log"

  # Services must not start inside the chroot during package installation.
  printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
  chmod 755 "$tmp/usr/sbin/policy-rc.d"
  cp -L /etc/resolv.conf "$tmp/etc/resolv.conf"

  mount -t proc proc "$tmp/proc"
  log "installing ${CHROOT_PACKAGES[*]} in the chroot"
  # Some machines (mirror snapshots, clocks ahead) see sid's Release file as
  # expired; retry without the freshness check rather than fail.
  if ! chroot "$tmp" apt-get update; then
    log "apt-get update failed; retrying without Valid-Until/Date checks"
    printf 'Acquire::Check-Valid-Until "false";\nAcquire::Check-Date "false";\n' \
      >"$tmp/etc/apt/apt.conf.d/99switchboard-no-date-check"
    chroot "$tmp" apt-get update || die "apt-get update inside the chroot failed"
  fi
  chroot "$tmp" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${CHROOT_PACKAGES[@]}" \
    || die "apt-get install inside the chroot failed"
  chroot "$tmp" apt-get clean
  umount "$tmp/proc"

  # The distro's sample configs would be loaded alongside ours; keep them for
  # reference only.
  if [[ -d "$tmp/etc/asterisk" && ! -e "$tmp/etc/asterisk.dist" ]]; then
    mv "$tmp/etc/asterisk" "$tmp/etc/asterisk.dist"
  fi
  mkdir -p "$tmp/etc/asterisk"

  # shellcheck disable=SC2016  # ${Version} is dpkg-query's format, not shell
  chroot "$tmp" dpkg-query -W -f='${Version}\n' asterisk >"$tmp/.switchboard-provisioned"
  trap - EXIT
  mv "$tmp" "$DIR"
  exec 9>&-
  log "provisioned $DIR (asterisk $(cat "$MARKER")) in $(( $(date +%s) - t0 )) s"
}

# ---------------------------------------------------------------- running state

# Pid of the sandbox's Asterisk, if it runs: our pidfile first, then the
# pidfile Asterisk writes itself. A pid counts only if its root is our chroot.
asterisk_pid() {
  local f pid root want
  want="$(realpath -m "$DIR")"
  for f in "$PIDFILE" "$DIR/run/asterisk/asterisk.pid"; do
    [[ -r "$f" ]] || continue
    pid="$(tr -dc '0-9' <"$f")"
    [[ -n "$pid" && -d "/proc/$pid" ]] || continue
    root="$(readlink "/proc/$pid/root" 2>/dev/null || true)"
    if [[ "$root" == "$want" ]] && grep -qa asterisk "/proc/$pid/comm" 2>/dev/null; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}

# ARI credentials as the running Asterisk has them: read back the file start
# wrote (the env of a later shell may differ), else the env.
ari_creds() {
  local user pass f="$DIR/etc/asterisk/ari_users.conf"
  if [[ -r "$f" ]]; then
    user="$(sed -n 's/^\[\(.*\)\]$/\1/p' "$f" | head -n1)"
    pass="$(sed -n 's/^password = //p' "$f" | head -n1 | sed 's/\\;/;/g')"
    if [[ -n "$user" ]]; then
      printf '%s:%s' "$user" "$pass"
      return 0
    fi
  fi
  [[ -n "${ARI_PASSWORD:-}" ]] || return 1
  printf '%s:%s' "$ARI_USERNAME" "$ARI_PASSWORD"
}

ari_info() {
  local creds
  creds="$(ari_creds)" || return 1
  curl -fsS --max-time 3 -u "$creds" "http://127.0.0.1:$ARI_PORT/ari/asterisk/info" 2>/dev/null
}

cli_rx() {
  timeout 15 chroot "$DIR" asterisk -rx "$1"
}

ensure_mounts() {
  mountpoint -q "$DIR/proc" || mount -t proc proc "$DIR/proc"
  mountpoint -q "$DIR/dev" || mount --bind /dev "$DIR/dev"
}

# ---------------------------------------------------------------- start/stop

install_config() {
  local clean="$1" etc="$DIR/etc/asterisk" gen="$DIR/$GEN_DIR_REL" e name
  [[ -d "$REPO_CONFIG_DIR" ]] || die "no config directory $REPO_CONFIG_DIR (CONFIG_SRC)"
  mkdir -p "$etc" "$gen"

  # Replace everything but the generated subdir with the repo's config.
  find "$etc" -mindepth 1 -maxdepth 1 ! -name switchboard -exec rm -rf {} +
  for e in "$REPO_CONFIG_DIR"/* "$REPO_CONFIG_DIR"/.[!.]*; do
    [[ -e "$e" ]] || continue
    name="$(basename "$e")"
    [[ "$name" == README.md || "$name" == switchboard ]] && continue
    cp -r "$e" "$etc/"
  done
  if [[ "$ARI_PORT" != 8088 ]]; then
    sed -i "s/^bindport *=.*/bindport = $ARI_PORT/" "$etc/http.conf"
  fi
  if [[ "$SIP_PORT" != 5060 ]]; then
    sed -i "s/^bind *= *127.0.0.1:5060/bind = 127.0.0.1:$SIP_PORT/" "$etc/pjsip.conf"
  fi
  if [[ "$RTP_START" != 10000 ]]; then
    sed -i -e "s/^rtpstart *=.*/rtpstart = $RTP_START/" -e "s/^rtpend *=.*/rtpend = $((RTP_START + 2000))/" "$etc/rtp.conf"
  fi

  if [[ "$clean" == 1 ]]; then
    log "--clean: emptying $gen and the astdb"
    find "$gen" -mindepth 1 -delete
    rm -f "$DIR/var/lib/asterisk/astdb.sqlite3"
    log "--clean: emptying the voicemail spool"
    rm -rf "$DIR/var/spool/asterisk/voicemail"
    log "--clean: emptying call data (CDR/CEL/queue_log files) and recordings"
    rm -f "$DIR"/var/log/asterisk/cdr-custom/*.json "$DIR"/var/log/asterisk/cel-custom/*.json \
      "$DIR/var/log/asterisk/queue_log"
    rm -rf "$DIR/var/spool/asterisk/monitor"
  fi
  [[ -e "$gen/pjsip.conf" ]] || : >"$gen/pjsip.conf"
  [[ -e "$gen/extensions.conf" ]] || : >"$gen/extensions.conf"
  [[ -e "$gen/pjsip_trunks.conf" ]] || : >"$gen/pjsip_trunks.conf"

  # ari.conf #includes this; written from env so no secret lives in the repo.
  # ';' starts a comment in Asterisk config files, so escape it.
  [[ "$ARI_USERNAME" =~ ^[A-Za-z0-9_.@-]+$ ]] || die "ARI_USERNAME may only contain [A-Za-z0-9_.@-]"
  [[ "$ARI_PASSWORD" != *$'\n'* ]] || die "ARI_PASSWORD must not contain a newline"
  local pass_escaped="${ARI_PASSWORD//;/\\;}"
  (
    umask 027
    printf '; Written by scripts/asterisk-sandbox.sh from ARI_USERNAME/ARI_PASSWORD.\n[%s]\ntype = user\nread_only = no\npassword = %s\n' \
      "$ARI_USERNAME" "$pass_escaped" >"$etc/ari_users.conf"
  )
  chmod 640 "$etc/ari_users.conf"

  # Inside the chroot: /var/run is an absolute symlink to /run, which from the
  # host would point at the host's /run.
  chroot "$DIR" mkdir -p /var/lib/asterisk /var/spool/asterisk /var/spool/asterisk/recording \
    /var/spool/asterisk/voicemail/switchboard /var/spool/asterisk/monitor/switchboard \
    /var/log/asterisk /var/log/asterisk/cdr-custom /var/log/asterisk/cel-custom \
    /var/run/asterisk /var/cache/asterisk
  chroot "$DIR" chown -R asterisk:asterisk /etc/asterisk /var/lib/asterisk /var/spool/asterisk \
    /var/log/asterisk /var/run/asterisk /var/cache/asterisk
  # Switchboard runs as root on the host and writes here; Asterisk reads.
  chmod 2775 "$gen"
  find "$gen" -type f -exec chmod 664 {} +
}

do_stop() {
  need_root
  local pid deadline
  if ! pid="$(asterisk_pid)"; then
    rm -f "$PIDFILE"
    echo "stopped (was not running)"
    return 0
  fi
  cli_rx "core stop now" >/dev/null 2>&1 || true
  deadline=$(( $(date +%s) + STOP_TIMEOUT ))
  while [[ -d "/proc/$pid" ]] && (( $(date +%s) < deadline )); do sleep 0.2; done
  if [[ -d "/proc/$pid" ]]; then
    log "asterisk ($pid) did not stop within ${STOP_TIMEOUT}s; killing"
    kill -TERM "$pid" 2>/dev/null || true
    sleep 2
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$(( $(date +%s) + 5 ))
    while [[ -d "/proc/$pid" ]] && (( $(date +%s) < deadline )); do sleep 0.2; done
  fi
  [[ ! -d "/proc/$pid" ]] || die "asterisk ($pid) is still alive"
  rm -f "$PIDFILE"
  echo "stopped"
}

do_start() {
  need_root
  local clean=0 arg
  for arg in "$@"; do
    case "$arg" in
      --clean) clean=1 ;;
      *) die "unknown start option: $arg" ;;
    esac
  done
  [[ -n "${ARI_PASSWORD:-}" ]] || die "ARI_PASSWORD is not set; e.g. ARI_PASSWORD=secret $0 start"
  ensure_host_cmd curl curl

  local t0
  t0=$(date +%s)
  [[ -f "$MARKER" ]] || do_provision
  if asterisk_pid >/dev/null; then
    log "asterisk is running; stopping it first"
    do_stop >/dev/null
  fi
  ensure_mounts
  install_config "$clean"

  local logf="$DIR/var/log/asterisk/console.log" pid
  : >"$logf"
  # The chroot's asterisk user, not the host's (uids differ).
  chroot "$DIR" chown asterisk:asterisk /var/log/asterisk/console.log
  # setsid + nohup: Asterisk must outlive the calling shell and its job group.
  # -n: no ANSI colours in the log file.
  setsid nohup chroot "$DIR" asterisk -f -n -U asterisk -G asterisk >>"$logf" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PIDFILE"

  local deadline ari_ok=0 tr_ok=0 info=""
  deadline=$(( $(date +%s) + START_TIMEOUT ))
  while (( $(date +%s) < deadline )); do
    if [[ ! -d "/proc/$pid" ]]; then
      break
    fi
    if (( ! ari_ok )) && info="$(ari_info)"; then
      ari_ok=1
    fi
    if (( ari_ok )) && cli_rx "pjsip show transports" 2>/dev/null | grep -q 'transport-udp'; then
      tr_ok=1
      break
    fi
    sleep 0.5
  done
  if (( ! tr_ok )); then
    log "asterisk did not come up (ari=$ari_ok transports=$tr_ok, pid $pid alive: $([[ -d /proc/$pid ]] && echo yes || echo no)); last log lines:"
    tail -n 40 "$logf" >&2 || true
    if [[ -d "/proc/$pid" ]]; then
      log "stopping the half-started asterisk"
      do_stop >/dev/null || true
    fi
    exit 1
  fi

  local version
  version="$(sed -n 's/.*"version":"\([^"]*\)".*/\1/p' <<<"$info")"
  echo "asterisk ${version:-?} running (pid $pid) in $DIR: ARI http://127.0.0.1:$ARI_PORT/ari user $ARI_USERNAME, SIP 127.0.0.1:$SIP_PORT udp+tcp, up in $(( $(date +%s) - t0 )) s"
  echo "ASTERISK_CONFIG_DIR=$DIR/$GEN_DIR_REL"
  echo "ASTERISK_SOUNDS_DIR=$DIR/usr/share/asterisk/sounds"
}

do_status() {
  local pid info version
  if pid="$(asterisk_pid)" && info="$(ari_info)"; then
    version="$(sed -n 's/.*"version":"\([^"]*\)".*/\1/p' <<<"$info")"
    echo "running ($pid, ${version:-?})"
    return 0
  fi
  echo "stopped"
  return 3
}

do_cli() {
  need_root
  [[ $# -ge 1 && -n "$1" ]] || die "usage: $0 cli \"<asterisk command>\""
  asterisk_pid >/dev/null || die "asterisk is not running"
  cli_rx "$1"
}

usage() {
  sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
case "$cmd" in
  provision) do_provision ;;
  start) do_start "$@" ;;
  stop) do_stop ;;
  status) do_status ;;
  cli) do_cli "$@" ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
