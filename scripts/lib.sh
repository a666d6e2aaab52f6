# Shared by scripts/up.sh and scripts/test.sh: install what a fresh Debian machine lacks.
# shellcheck shell=bash

say() { printf '\033[1m[switchboard]\033[0m %s\n' "$*" >&2; }

apt_updated=0
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  ((${#missing[@]} == 0)) && return 0
  if ((apt_updated == 0)); then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_node_modules() {
  local root=$1
  # package-lock.json newer than the installed tree means dependencies changed.
  if [[ ! -d "$root/node_modules" || "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]]; then
    # npm install, not npm ci: this npm's ci refuses lock files that leave out optional
    # platform binaries the registry does not serve (biome, swc); install honours the lock.
    say "npm install (from package-lock.json)"
    (cd "$root" && npm install --no-audit --no-fund --loglevel=error)
  fi
}
