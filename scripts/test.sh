#!/usr/bin/env bash
# The whole test suite with real parts: MariaDB, Asterisk 22, SIP peers, SMTP, Chromium, and the
# newcomer's path from a fresh clone (`npm run up`) to a real call.
# Usage: npm test [-- test path filters or jest flags]   (as root on Debian; installs what is missing)
#   TEST_LANES=N   how many parallel lanes (network namespaces, each with its own Asterisk)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/lib.sh

apt_install sip-tester baresip chromium sox libsox-fmt-mp3 espeak-ng pocketsphinx pocketsphinx-en-us \
  debootstrap curl ca-certificates openssl procps iproute2 socat git
ensure_node_modules "$root"
bash scripts/provision-mariadb.sh

say "lint and format check (biome)"
npx --no-install biome check .
say "layering: no cycles, core never imports a feature, features meet through index.ts"
npx --no-install depcruise src --config .dependency-cruiser.cjs --output-type err
# Both at once: the machine has two cores and each tsc uses one.
say "typecheck (tsc) and the production build (npm run build, as npm run up builds it)"
npx --no-install tsc --noEmit -p tsconfig.json & typecheck=$!
npm run --silent build & build=$!
wait "$typecheck" || { say "typecheck failed"; exit 1; }
wait "$build" || { say "the production build failed: npm run up would stop here"; exit 1; }

bash scripts/asterisk-sandbox.sh provision
ARI_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
export ARI_PASSWORD ARI_USERNAME=switchboard TEST_MYSQL_SERVER=mysql://root@127.0.0.1:3306
exec npx --no-install tsx test/runner/lanes.ts "$@"
