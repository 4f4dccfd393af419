#!/usr/bin/env bash
# Stops the engine that .ci/docker-up.sh started, by its own pid (never by name).
# Usage: .ci/docker-down.sh [WORKDIR]   (default /tmp/dhi-docker)
set -uo pipefail
W="${1:-/tmp/dhi-docker}"
PIDFILE="$W/dockerd.pid"
[ -f "$PIDFILE" ] || { echo "docker-down: no $PIDFILE, nothing to stop" >&2; exit 0; }
pid="$(cat "$PIDFILE")"
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  echo "docker-down: stopped dockerd ($pid)" >&2
fi
rm -f "$PIDFILE"
