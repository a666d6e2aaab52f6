#!/usr/bin/env bash
# The whole test suite with real parts: MariaDB, a local Asterisk 22, SIP peers, Chromium.
# Usage: npm test [-- jest args]   (as root on Debian; installs what is missing)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/lib.sh

apt_install sip-tester baresip chromium sox libsox-fmt-mp3 espeak-ng pocketsphinx pocketsphinx-en-us debootstrap curl ca-certificates procps
ensure_node_modules "$root"
bash scripts/provision-mariadb.sh

say "lint and format check (biome)"
npx --no-install biome check .
say "typecheck (tsc)"
npx --no-install tsc --noEmit -p tsconfig.json

export SANDBOX_DIR=${SANDBOX_DIR:-/var/cache/switchboard/asterisk-sid}
export ARI_PORT=${TEST_ARI_PORT:-8088} SIP_PORT=${TEST_SIP_PORT:-5060}
export ARI_URL="http://127.0.0.1:$ARI_PORT" ARI_USERNAME=switchboard
ARI_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
export ARI_PASSWORD
export ASTERISK_CONFIG_DIR="$SANDBOX_DIR/etc/asterisk/switchboard"
export ASTERISK_SOUNDS_DIR="$SANDBOX_DIR/usr/share/asterisk/sounds"
export ASTERISK_SPOOL_DIR="$SANDBOX_DIR/var/spool/asterisk"
export ASTERISK_LOG_DIR="$SANDBOX_DIR/var/log/asterisk"
export TEST_MYSQL_SERVER=mysql://root@127.0.0.1:3306
export ASTERISK_CLI="bash $root/scripts/asterisk-sandbox.sh cli"

say "starting a clean Asterisk sandbox"
bash scripts/asterisk-sandbox.sh start --clean
trap 'bash scripts/asterisk-sandbox.sh stop >/dev/null 2>&1 || true' EXIT

npx --no-install jest --runInBand "$@"
