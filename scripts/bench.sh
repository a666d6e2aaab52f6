#!/usr/bin/env bash
# Benchmarks against the real parts (not part of the test suite): npm run bench
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/lib.sh
apt_install debootstrap curl sox libsox-fmt-mp3 espeak-ng
ensure_node_modules "$root"
bash scripts/provision-mariadb.sh
export SANDBOX_DIR=${SANDBOX_DIR:-/var/cache/switchboard/asterisk-sid}
export ARI_PORT=${TEST_ARI_PORT:-8088} SIP_PORT=${TEST_SIP_PORT:-5060}
export ARI_URL="http://127.0.0.1:$ARI_PORT" ARI_USERNAME=switchboard
ARI_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
export ARI_PASSWORD ASTERISK_CONFIG_DIR="$SANDBOX_DIR/etc/asterisk/switchboard" TEST_MYSQL_SERVER=mysql://root@127.0.0.1:3306
export ASTERISK_CLI="bash $root/scripts/asterisk-sandbox.sh cli"
trap 'bash scripts/asterisk-sandbox.sh stop >/dev/null 2>&1 || true' EXIT
export ASTERISK_SOUNDS_DIR="$SANDBOX_DIR/usr/share/asterisk/sounds"
export ASTERISK_SPOOL_DIR="$SANDBOX_DIR/var/spool/asterisk"
export ASTERISK_LOG_DIR="$SANDBOX_DIR/var/log/asterisk"
# BENCH_ONLY=stress, apply, callflow, queues, analytics, startup-memory or soak runs one of them.
# analytics needs only MariaDB (BENCH_SIZES=1000000 for the 1M run alone). startup-memory and soak
# measure the production build, so they build it first.
# The apply's model-based stress test with a long seed set (CI runs two seeds of six rounds).
if [[ -z "${BENCH_ONLY:-}" || "$BENCH_ONLY" == "stress" ]]; then
  STRESS_SEEDS=${STRESS_SEEDS:-$(seq -s, 1 20)} STRESS_ROUNDS=${STRESS_ROUNDS:-12} \
    TEST_LANES=1 npx --no-install tsx test/runner/lanes.ts src/apply/apply-stress.test.ts
fi
for bench in apply callflow queues analytics startup-memory; do
  [[ -z "${BENCH_ONLY:-}" || "$BENCH_ONLY" == "$bench" ]] || continue
  [[ "$bench" != startup-memory ]] || npm run -s build
  npx --no-install tsx "bench/$bench.bench.ts"
done
# The 10-minute soak (SOAK_SECONDS) runs the production build in a network namespace of its own
# with a sandbox of its own, so its Asterisk meets no other on this machine.
if [[ -z "${BENCH_ONLY:-}" || "$BENCH_ONLY" == "soak" ]]; then
  npm run -s build
  soak=/var/cache/switchboard/asterisk-soak
  SANDBOX_DIR=$soak ASTERISK_CONFIG_DIR="$soak/etc/asterisk/switchboard" \
    ASTERISK_SOUNDS_DIR="$soak/usr/share/asterisk/sounds" ASTERISK_SPOOL_DIR="$soak/var/spool/asterisk" \
    ASTERISK_LOG_DIR="$soak/var/log/asterisk" ASTERISK_CLI="bash $root/scripts/asterisk-sandbox.sh cli" \
    SWITCHBOARD_STATE_DIR=$(mktemp -d) \
    bash scripts/in-netns.sh npx --no-install tsx bench/soak.bench.ts
  SANDBOX_DIR=$soak bash scripts/asterisk-sandbox.sh destroy >/dev/null 2>&1 || true
fi
