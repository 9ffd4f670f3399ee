# Sourced by the interop runners: checks node/npm and installs this folder's pinned npm packages
# (npm ci) when node_modules does not match package-lock.json. Needs $here (this folder) and
# $runner (the caller's name, for messages). Missing tooling: exit 77 (skip), or exit 1 when
# CI=true (CI must have it: tools/setup installs nodejs/npm).
unavailable() {
  if [ "${CI:-}" = "true" ]; then
    echo "$runner: FAIL (CI=true): $*" >&2
    exit 1
  fi
  echo "SKIP: $*"
  exit 77
}

command -v node >/dev/null 2>&1 || unavailable "node not found (apt-get install nodejs npm)"
command -v npm >/dev/null 2>&1 || unavailable "npm not found (apt-get install npm)"
node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$node_major" -lt 20 ]; then
  unavailable "node $(node --version 2>/dev/null) is too old: need >= 20"
fi

# npm ci only when node_modules does not match package-lock.json (the stamp is its hash, written
# after a successful install). A lock serialises concurrent runs (several presets, ctest -j).
lock_hash="$(cd "$here" && cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
stamp="$here/node_modules/.peregrine-installed"
install() {
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then
    return 0
  fi
  echo "$runner: npm ci in $here"
  rm -f "$stamp"
  # --ignore-scripts: nothing here needs an install script (ccxt's only prints a banner).
  if ! (cd "$here" && timeout 300 npm ci --no-audit --no-fund --ignore-scripts --loglevel=error); then
    return 1
  fi
  echo "$lock_hash" >"$stamp"
}
if command -v flock >/dev/null 2>&1; then
  exec 9>"${TMPDIR:-/tmp}/peregrine-interop-$(echo "$here" | sha256sum | cut -c1-16).lock"
  flock 9
fi
install || unavailable "npm ci failed in $here (no registry access?)"
if command -v flock >/dev/null 2>&1; then
  flock -u 9
fi

