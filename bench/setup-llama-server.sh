#!/usr/bin/env bash
# Builds llama.cpp's llama-server from the source node-llama-cpp ships (same llama.cpp release as the
# embedded engine), once; later runs reuse the cached binary. Prints the binary's path on stdout.
# Bench only (slow on small machines): CI covers the HTTP client with recorded SSE responses.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LLAMA_DIR="$ROOT/node_modules/node-llama-cpp/llama"
TAG="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).tag)' "$LLAMA_DIR/llama.cpp.info.json")"
CACHE="${DHI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dhi}/llama-server/$TAG"
BIN="$CACHE/build/bin/llama-server"
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
mkdir -p "$CACHE"
if [ ! -d "$CACHE/src/.git" ]; then
  rm -rf "$CACHE/src"
  git clone --quiet "$LLAMA_DIR/gitRelease.bundle" "$CACHE/src" >&2
fi
JOBS="${JOBS:-$(node -e 'console.log(require("os").availableParallelism())')}"
cmake -S "$CACHE/src" -B "$CACHE/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DLLAMA_CURL=OFF -DGGML_NATIVE=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON >&2
cmake --build "$CACHE/build" --target llama-server -j "$JOBS" >&2
echo "$BIN"
