#!/usr/bin/env bash
# Packs dhi and installs the tarball globally, as a user would, under a Node that lives in its own
# prefix (like nvm, Homebrew or an official tarball): the node binary and its include/ are copied into
# a temporary prefix that comes first on PATH, and every native addon is built from there.
# Usage: .ci/install-packed.sh WORKDIR   — prints the installed `dhi` path on its last line.
set -euo pipefail

# One function, parsed whole before it runs: editing this file during a long install cannot derail it.
main() {
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  WORK="${1:?usage: install-packed.sh WORKDIR}"
  rm -rf "$WORK" && mkdir -p "$WORK/node-prefix/bin" "$WORK/node-prefix/include" "$WORK/pack"

  SYSTEM_NODE="$(command -v node)"
  SYSTEM_PREFIX="$(dirname "$(dirname "$(readlink -f "$SYSTEM_NODE")")")"
  PREFIX="$WORK/node-prefix"
  cp "$(readlink -f "$SYSTEM_NODE")" "$PREFIX/bin/node"
  cp -r "$SYSTEM_PREFIX/include/node" "$PREFIX/include/node"
  export PATH="$PREFIX/bin:$PATH"
  [ "$(command -v node)" = "$PREFIX/bin/node" ] || { echo "install-packed: $PREFIX/bin/node is not first on PATH" >&2; exit 1; }

  # What the README tells offline users: build against the running Node's own headers (node-gyp would
  # otherwise download them from nodejs.org). With nodedir set, node-gyp uses no cached headers.
  export npm_config_nodedir="$(dirname "$(dirname "$(command -v node)")")"
  # npm ≥ 12 runs no install script of a global package unless allowed: the ones dhi needs, as in package.json.
  ALLOWED="$(node -p '["dhi-lsp", ...Object.entries(require("./package.json").allowScripts).filter(([, v]) => v).map(([k]) => k)].join(",")')"

  TARBALL="$(npm pack --silent --pack-destination "$WORK/pack" | tail -n 1)"
  npm install -g --prefix "$PREFIX" --no-audit --no-fund --allow-scripts="$ALLOWED" "$WORK/pack/$TARBALL" >&2
  echo "$PREFIX/bin/dhi"
}
main "$@"
