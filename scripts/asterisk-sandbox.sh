#!/usr/bin/env bash
# Asterisk sandbox for Switchboard development and tests.
#
# Debian 12 ships no asterisk package, so we run Debian sid's Asterisk 22
# inside a minbase chroot. The chroot shares the host's network: whatever
# http.conf / pjsip.conf bind is reachable on the host's loopback.
#
# Usage:
#   scripts/asterisk-sandbox.sh provision        build the chroot image once (cached)
#   scripts/asterisk-sandbox.sh start [--clean]  start Asterisk with $CONFIG_SRC; when this
#                                                sandbox's Asterisk already runs, install the
#                                                config and reload it (calls stay up); --clean
#                                                restarts it on an empty state instead
#   scripts/asterisk-sandbox.sh stop
#   scripts/asterisk-sandbox.sh destroy          stop, unmount and delete this sandbox (not the image)
#   scripts/asterisk-sandbox.sh status           exit 0 running, 3 stopped
#   scripts/asterisk-sandbox.sh cli "<command>"  run an Asterisk CLI command
#
# The chroot is built once as a read-only image (SANDBOX_IMAGE). Each sandbox (SANDBOX_DIR) is an
# overlay on it: its own /etc/asterisk, spool, logs and astdb, created in milliseconds, so the
# test runner can give every parallel lane its own Asterisk. A SANDBOX_DIR that is itself a
# provisioned chroot (from before images) is used as it is.
#
# Environment:
#   SANDBOX_DIR   this sandbox (default /var/cache/switchboard/asterisk-sid)
#   SANDBOX_IMAGE the provisioned chroot image (default /var/cache/switchboard/asterisk-sid-image)
#   ARI_USERNAME  ARI user written into ari_users.conf (default switchboard)
#   ARI_PASSWORD  ARI password (required by start)
#   ARI_PORT      HTTP/ARI port on 127.0.0.1 (default 8088)
#   SIP_PORT      SIP UDP/TCP port on 127.0.0.1 (default 5060)
#   AMI_SECRET    when set, the AMI is served over TLS only on 127.0.0.1:$AMI_PORT (default
#                 5039) for one user, AMI_USERNAME (default switchboard), write = system,agent;
#                 the self-signed certificate is $SANDBOX_DIR/var/lib/asterisk/keys/manager.crt
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
IMAGE="${SANDBOX_IMAGE:-/var/cache/switchboard/asterisk-sid-image}"
IMAGE="${IMAGE%/}"
MARKER="$IMAGE/.switchboard-provisioned"
OVERLAY="$DIR.overlay"
PIDFILE="$DIR/.switchboard-asterisk.pid"
LOCKFILE="$IMAGE.lock"
ARI_PORT="${ARI_PORT:-8088}"
SIP_PORT="${SIP_PORT:-5060}"
RTP_START="${RTP_START:-10000}"
ARI_USERNAME="${ARI_USERNAME:-switchboard}"
MIRROR="http://deb.debian.org/debian"
CHROOT_PACKAGES=(asterisk asterisk-core-sounds-en-gsm asterisk-moh-opsound-gsm)
GEN_DIR_REL="etc/asterisk/switchboard"
START_TIMEOUT=60
# Asterisk's niceness (absolute, whatever the caller's); see do_start.
ASTERISK_NICE="${ASTERISK_NICE:--5}"
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
    log "chroot image already provisioned at $IMAGE"
    return 0
  fi
  mkdir -p "$(dirname "$IMAGE")"
  exec 9>"$LOCKFILE"
  flock -w 900 9 || die "another provision holds $LOCKFILE"
  if [[ -f "$MARKER" ]]; then  # built by whoever held the lock
    exec 9>&-
    return 0
  fi
  [[ ! -e "$IMAGE" ]] || die "$IMAGE exists but has no marker ($MARKER); remove it and retry"

  # Leftovers of interrupted builds; we hold the lock, so none is in use.
  local old
  for old in "$IMAGE".tmp.*; do
    [[ -d "$old" ]] || continue
    log "removing stale partial build $old"
    safe_rmtree "$old" || true
  done

  ensure_host_cmd debootstrap debootstrap

  local tmp t0
  t0=$(date +%s)
  tmp="$(mktemp -d "$IMAGE.tmp.XXXXXX")"
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
  mv "$tmp" "$IMAGE"
  exec 9>&-
  log "provisioned $IMAGE (asterisk $(cat "$MARKER")) in $(( $(date +%s) - t0 )) s"
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

# A chroot provisioned in place before images existed: it has its own marker and no overlay.
legacy_chroot() {
  [[ "$DIR" == "$IMAGE" ]] || { [[ ! -d "$OVERLAY" ]] && [[ -f "$DIR/.switchboard-provisioned" ]]; }
}

# Mounts this sandbox's overlay on the image (after a reboot too); provisions the image first.
ensure_sandbox() {
  legacy_chroot && return 0
  [[ -f "$MARKER" ]] || do_provision
  mountpoint -q "$DIR" && return 0
  mkdir -p "$DIR" "$OVERLAY/upper" "$OVERLAY/work"
  # The upper directory becomes the chroot's / : Asterisk's own user must be able to enter it,
  # whatever umask the caller has.
  chmod 755 "$DIR" "$OVERLAY/upper"
  mount -t overlay overlay -o "lowerdir=$IMAGE,upperdir=$OVERLAY/upper,workdir=$OVERLAY/work" "$DIR"
}

ensure_mounts() {
  ensure_sandbox
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
  [[ -e "$gen/pjsip_acl.conf" ]] || : >"$gen/pjsip_acl.conf"

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

  # AMI, for a Switchboard that reaches this Asterisk over the network only
  # (ASTERISK_CONTROL=ami): TLS on 127.0.0.1:$AMI_PORT, no plain-TCP listener, one user
  # limited to the write classes its actions need (docs/security.md). Off unless AMI_SECRET is set.
  if [[ -n "${AMI_SECRET:-}" ]]; then
    [[ "$AMI_SECRET" =~ ^[A-Za-z0-9_.-]+$ ]] || die "AMI_SECRET may only contain [A-Za-z0-9_.-]"
    [[ "${AMI_USERNAME:-switchboard}" =~ ^[A-Za-z0-9_.@-]+$ ]] || die "AMI_USERNAME may only contain [A-Za-z0-9_.@-]"
    local keys="$DIR/var/lib/asterisk/keys"
    mkdir -p "$keys"
    if [[ ! -s "$keys/manager.crt" ]]; then
      ensure_host_cmd openssl openssl
      # Self-signed, made once per sandbox; Switchboard trusts exactly this certificate
      # (AMI_TLS_CA), for the address it connects to.
      openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=127.0.0.1" \
        -addext "subjectAltName=IP:127.0.0.1" -keyout "$keys/manager.key" -out "$keys/manager.crt" \
        >/dev/null 2>&1 || die "openssl could not make the AMI certificate"
    fi
    (
      umask 027
      printf '%s\n' "; Written by scripts/asterisk-sandbox.sh from AMI_USERNAME/AMI_SECRET." \
        '[general]' 'enabled = no' \
        'tlsenable = yes' "tlsbindaddr = 127.0.0.1:${AMI_PORT:-5039}" \
        'tlscertfile = /var/lib/asterisk/keys/manager.crt' \
        'tlsprivatekey = /var/lib/asterisk/keys/manager.key' \
        "[${AMI_USERNAME:-switchboard}]" "secret = $AMI_SECRET" \
        'deny = 0.0.0.0/0.0.0.0' 'permit = 127.0.0.1/255.255.255.255' \
        'read =' 'write = system,agent' >"$etc/manager.conf"
    )
    chmod 640 "$etc/manager.conf"
    chroot "$DIR" chown -R asterisk:asterisk /var/lib/asterisk/keys
  fi

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
  ensure_sandbox
  if asterisk_pid >/dev/null; then
    if [[ "$clean" == 0 ]]; then
      do_reload "$t0"
      return 0
    fi
    log "asterisk is running; --clean stops it first"
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
  # nice -5: media is paced in real time; on a shared box (the control plane, a test run's
  # browsers) a late timer tick stretches prompts and recordings, so Asterisk goes first.
  setsid nohup nice -n "$(( ASTERISK_NICE - $(nice) ))" chroot "$DIR" asterisk -f -n -U asterisk -G asterisk >>"$logf" 2>&1 </dev/null &
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

# This sandbox's Asterisk is already running (a second `npm run up`): install the config and
# reload it in place, so registrations and calls in progress stay up.
do_reload() {
  local t0="$1" pid info="" deadline
  pid="$(asterisk_pid)"
  install_config 0
  cli_rx "core reload" >/dev/null
  deadline=$(( $(date +%s) + START_TIMEOUT ))
  until info="$(ari_info)"; do
    (( $(date +%s) < deadline )) || die "asterisk ($pid) does not answer ARI after the reload"
    sleep 0.5
  done
  local version
  version="$(sed -n 's/.*"version":"\([^"]*\)".*/\1/p' <<<"$info")"
  echo "asterisk ${version:-?} already running (pid $pid) in $DIR: config installed and reloaded, calls kept, in $(( $(date +%s) - t0 )) s"
  echo "ASTERISK_CONFIG_DIR=$DIR/$GEN_DIR_REL"
  echo "ASTERISK_SOUNDS_DIR=$DIR/usr/share/asterisk/sounds"
}

do_destroy() {
  need_root
  do_stop >/dev/null
  legacy_chroot && die "$DIR is a provisioned chroot, not an overlay sandbox; remove it by hand"
  umount_all_under "$DIR"
  [[ -z "$(mounts_under "$DIR")" ]] || die "$DIR still has mounts"
  rm -rf --one-file-system "$DIR" "$OVERLAY"
  echo "destroyed $DIR"
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
  sed -n '2,36p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
case "$cmd" in
  provision) do_provision ;;
  start) do_start "$@" ;;
  stop) do_stop ;;
  destroy) do_destroy ;;
  status) do_status ;;
  cli) do_cli "$@" ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
