#!/usr/bin/env bash
# Sightline next to rsyslog and syslog-ng, one command: installs what is missing
# (rsyslog from Debian; syslog-ng-core unpacked into build/peers/syslog-ng, since the
# two packages conflict), builds Release, then runs bench/run_peers.py. Nothing is
# started as a service and nothing is left running.
# Usage: bench/run_peers.sh [--lines N] [--connections C] [--rounds R] [--udp-rounds R]
#                           [--only tcp-file,tcp-route,udp-file]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/peers.sh
sng=build/peers/syslog-ng

SIGHTLINE_BUILD_JOBS="${SIGHTLINE_BUILD_JOBS:-1}" scripts/build.sh release sightline sightline_bench >/dev/null
exec python3 bench/run_peers.py build/release --syslog-ng "$sng" "$@"
