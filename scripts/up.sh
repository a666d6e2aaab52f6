#!/usr/bin/env bash
# Brings Switchboard up on this machine: MariaDB, a local Asterisk 22 (cached Debian sid chroot),
# schema migrations, the first admin, then the web UI and API on http://127.0.0.1:3000.
# Usage (as root on Debian): npm run up        Settings: see .env.example
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/lib.sh

apt_install debootstrap curl ca-certificates procps sox libsox-fmt-mp3 espeak-ng pocketsphinx pocketsphinx-en-us
ensure_node_modules "$root"
bash scripts/provision-mariadb.sh

# Secrets generated once per machine, kept outside the repository.
state=${SWITCHBOARD_STATE_DIR:-/var/lib/switchboard}
mkdir -p "$state" && chmod 700 "$state"
# Switchboard keeps the key that seals stored secrets here too (secrets.key, made on first start).
export SWITCHBOARD_STATE_DIR="$state"
if [[ ! -f "$state/env" ]]; then
  (umask 077 && printf 'ARI_PASSWORD=%s\n' "$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" >"$state/env")
fi
set -a
. "$state/env"
[[ -f "$root/.env" ]] && . "$root/.env"
set +a

export SANDBOX_DIR=${SANDBOX_DIR:-/var/cache/switchboard/asterisk-sid}
export ARI_USERNAME=${ARI_USERNAME:-switchboard}
export ARI_URL=${ARI_URL:-http://127.0.0.1:${ARI_PORT:-8088}}
export ASTERISK_CONFIG_DIR=${ASTERISK_CONFIG_DIR:-$SANDBOX_DIR/etc/asterisk/switchboard}
export ASTERISK_SOUNDS_DIR=${ASTERISK_SOUNDS_DIR:-$SANDBOX_DIR/usr/share/asterisk/sounds}
export ASTERISK_SPOOL_DIR=${ASTERISK_SPOOL_DIR:-$SANDBOX_DIR/var/spool/asterisk}
export ASTERISK_LOG_DIR=${ASTERISK_LOG_DIR:-$SANDBOX_DIR/var/log/asterisk}
export DATABASE_URL=${DATABASE_URL:-mysql://root@127.0.0.1:3306/switchboard}
export NODE_ENV=${NODE_ENV:-production}
export ASTERISK_CLI=${ASTERISK_CLI:-bash $root/scripts/asterisk-sandbox.sh cli}

# A second `npm run up` keeps the running Asterisk (the sandbox reloads it), so calls stay up.
bash scripts/asterisk-sandbox.sh start
say "building"
npm run --silent build

# The Switchboard a previous `npm run up` of this install started gives way to this one. Calls
# do not depend on it (principle 1), so they stay up while it restarts.
pidfile="$state/switchboard.pid"
if [[ -r "$pidfile" ]]; then
  old=$(tr -dc '0-9' <"$pidfile")
  if [[ -n "$old" && "$old" != "$$" ]] && tr '\0' ' ' <"/proc/$old/cmdline" 2>/dev/null | grep -q "dist/src/main.js" \
    && [[ "$(readlink "/proc/$old/cwd" 2>/dev/null)" == "$root" ]]; then
    say "stopping the Switchboard already running (pid $old)"
    kill -TERM "$old" 2>/dev/null || true
    for _ in $(seq 1 100); do [[ -d "/proc/$old" ]] || break; sleep 0.25; done
    [[ ! -d "/proc/$old" ]] || { say "pid $old did not stop; killing it"; kill -KILL "$old" 2>/dev/null || true; }
  fi
fi
echo "$$" >"$pidfile"
say "starting Switchboard on http://${HOST:-127.0.0.1}:${PORT:-3000}"
exec node dist/src/main.js
