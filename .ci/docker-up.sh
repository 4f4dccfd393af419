#!/usr/bin/env bash
# Starts a private Docker engine (no systemd here) and builds the sandbox images without any registry.
# Usage: .ci/docker-up.sh [WORKDIR]   (default /tmp/dhi-docker)
# Afterwards: source "$WORKDIR/env.sh"   (exports DOCKER_HOST). Idempotent: a running engine is reused.
set -euo pipefail

W="${1:-/tmp/dhi-docker}"
mkdir -p "$W"
W="$(cd "$W" && pwd)"
SOCK="unix://$W/docker.sock"
log() { echo "docker-up: $*" >&2; }

# 1. Packages (skipped when already present, so re-runs are fast and work offline).
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
need=()
for pkg in docker.io busybox-static bubblewrap python3-pytest; do installed "$pkg" || need+=("$pkg"); done
if [ "${#need[@]}" -gt 0 ]; then
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The Debian client lives in /usr/bin; a static client elsewhere on PATH works as well.
DOCKER="$(command -v docker)"
DOCKERD="$(command -v dockerd || echo /usr/sbin/dockerd)"
dk() { "$DOCKER" -H "$SOCK" "$@"; }

# 2. Engine: reuse one answering on our socket, else start it (overlay2 first, vfs when overlay2 fails here).
# Sandboxes only ever use NetworkMode none, so the engine gets no bridge and leaves the host's iptables alone.
engine_up() { dk info >/dev/null 2>&1; }
wait_engine() {
  local pid="$1"
  for _ in $(seq 1 120); do
    engine_up && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.5
  done
  return 1
}
start_engine() {
  local driver="$1" data="$W/docker-data"
  # A fallback driver gets its own data root: dockerd refuses one left by another driver.
  [ "$driver" = overlay2 ] || data="$W/docker-data-$driver"
  log "starting dockerd (storage driver $driver), log in $W/dockerd.log"
  rm -f "$W/docker.sock" "$W/dockerd.pid"
  nohup "$DOCKERD" --data-root "$data" --exec-root "$W/docker-exec" --pidfile "$W/dockerd.pid" \
    -H "$SOCK" --storage-driver "$driver" --bridge=none --iptables=false --ip-masq=false \
    >>"$W/dockerd.log" 2>&1 </dev/null &
  local pid=$!
  if wait_engine "$pid"; then return 0; fi
  log "dockerd with $driver did not come up"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return 1
}
if engine_up; then
  log "reusing the engine at $SOCK"
else
  start_engine overlay2 || start_engine vfs || { tail -20 "$W/dockerd.log" >&2; log "dockerd failed to start"; exit 1; }
fi

# 3. Images, built from host files and imported (Docker Hub is unreachable).
# Copies host paths into a rootfs laid out like the host's merged /usr (bin, lib, lib64 are links).
new_rootfs() {
  local root="$1"
  rm -rf "$root"
  mkdir -p "$root"/usr/bin "$root"/usr/lib "$root"/usr/lib64 "$root"/etc "$root"/tmp "$root"/work "$root"/proc "$root"/dev "$root"/sys
  ln -s usr/bin "$root/bin"; ln -s usr/lib "$root/lib"; ln -s usr/lib64 "$root/lib64"; ln -s usr/bin "$root/usr/sbin"; ln -s usr/bin "$root/sbin"
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/usr/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ -e "$root/usr/bin/$applet" ] || ln -s busybox "$root/usr/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/tmp:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
}
# Host path → same path in the rootfs, /lib and /bin folded into /usr as on the host.
put() {
  local root="$1" src="$2" dst
  dst="$src"
  case "$dst" in /lib/* | /bin/* | /lib64/*) dst="/usr$dst" ;; esac
  mkdir -p "$root$(dirname "$dst")"
  cp -aL "$src" "$root$dst"
}
# Every shared object of the C/C++ runtime, not just what ldd lists (vitest and sharp need librt, libresolv).
put_runtime() {
  local root="$1" f
  for f in $(dpkg -L libc6 libstdc++6 libgcc-s1 | grep -E '\.so(\.[0-9]+)*$'); do
    [ -f "$f" ] && put "$root" "$f"
  done
  [ -e "$root/usr/lib64/ld-linux-x86-64.so.2" ] || ln -s /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$root/usr/lib64/ld-linux-x86-64.so.2"
}
put_ldd() {
  local root="$1" bin="$2" lib
  for lib in $(ldd "$bin" | grep -o '/[^ ]*\.so[^ ]*'); do
    [ -f "$lib" ] && put "$root" "$lib"
  done
}
import_rootfs() {
  local root="$1" tag="$2"
  tar -C "$root" -c . | dk import --change 'ENV PATH=/usr/bin:/bin' --change 'USER 65534:65534' --change 'WORKDIR /work' - "$tag" >/dev/null
  log "built $tag ($(du -sh "$root" | cut -f1))"
  rm -rf "$root"
}
have_image() { dk image inspect "$1" >/dev/null 2>&1; }

if [ "${DHI_REBUILD_IMAGES:-}" = 1 ] || ! have_image dhi-sandbox/node:local; then
  R="$W/rootfs-node"
  new_rootfs "$R"
  put_runtime "$R"
  cp /usr/bin/node "$R/usr/bin/node"
  put_ldd "$R" /usr/bin/node
  # npm, so that `npm test` (the auto-detected command for package.json) works in the image.
  NPM_DIR="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
  if [ -f "$NPM_DIR/bin/npm-cli.js" ]; then
    mkdir -p "$R/usr/lib/node_modules"
    cp -a "$NPM_DIR" "$R/usr/lib/node_modules/npm"
    ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$R/usr/bin/npm"
    ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$R/usr/bin/npx"
  fi
  import_rootfs "$R" dhi-sandbox/node:local
fi

if [ "${DHI_REBUILD_IMAGES:-}" = 1 ] || ! have_image dhi-sandbox/python:local; then
  PY="$(readlink -f /usr/bin/python3)"
  if [ -x "$PY" ]; then
    R="$W/rootfs-python"
    new_rootfs "$R"
    put_runtime "$R"
    cp "$PY" "$R/usr/bin/"
    ln -s "$(basename "$PY")" "$R/usr/bin/python3"
    ln -s python3 "$R/usr/bin/python"
    put_ldd "$R" "$PY"
    PYVER="$(basename "$PY")"
    # The standard library (without its own test suite) and the libraries its extension modules link to.
    mkdir -p "$R/usr/lib/$PYVER"
    tar -C /usr/lib -c --exclude="$PYVER/test" --exclude="$PYVER/idlelib" --exclude="$PYVER/tkinter" "$PYVER" | tar -C "$R/usr/lib" -x
    for so in $(find "/usr/lib/$PYVER/lib-dynload" -name '*.so'); do put_ldd "$R" "$so"; done
    # pytest and the packages it needs, from Debian's packages (only their files, nothing else of the host's).
    for pkg in python3-pytest python3-pluggy python3-iniconfig python3-packaging python3-py python3-attr python3-more-itertools python3-pkg-resources; do
      dpkg -L "$pkg" 2>/dev/null | while read -r f; do
        case "$f" in /usr/lib/python3/*) [ -f "$f" ] && put "$R" "$f" ;; esac
      done
    done
    [ -f /usr/bin/pytest ] && sed '1s|.*|#!/usr/bin/python3|' /usr/bin/pytest >"$R/usr/bin/pytest" && chmod 755 "$R/usr/bin/pytest"
    import_rootfs "$R" dhi-sandbox/python:local
  else
    log "no /usr/bin/python3 on this host: skipping dhi-sandbox/python:local"
  fi
fi

echo "export DOCKER_HOST=$SOCK" >"$W/env.sh"
echo "export DOCKER_HOST=$SOCK"
