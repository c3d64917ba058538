#!/usr/bin/env bash
# Sightline next to rsyslog and syslog-ng, one command: installs what is missing
# (rsyslog from Debian; syslog-ng-core unpacked into build/peers/syslog-ng, since the
# two packages conflict), builds Release, then runs bench/run_peers.py. Nothing is
# started as a service and nothing is left running.
# Usage: bench/run_peers.sh [--lines N] [--connections C] [--rounds R] [--udp-rounds R]
#                           [--only tcp-file,tcp-route,udp-file]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh rsyslog libivykis0 libnet1 libjson-c5 libglib2.0-0 libwrap0 libpcre3

sng=build/peers/syslog-ng
if [ ! -x "$sng/usr/sbin/syslog-ng" ]; then
  echo "run_peers: unpacking syslog-ng-core into $sng"
  dl="$(mktemp -d)"
  trap 'rm -rf "$dl"' EXIT
  chmod 755 "$dl"  # apt-get download runs as _apt where it can
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  (cd "$dl" && { apt-get download -q syslog-ng-core || { $sudo apt-get update -qq && apt-get download -q syslog-ng-core; }; })
  mkdir -p "$sng"
  dpkg -x "$dl"/syslog-ng-core_*.deb "$sng"
fi

SIGHTLINE_BUILD_JOBS="${SIGHTLINE_BUILD_JOBS:-1}" scripts/build.sh release sightline sightline_bench >/dev/null
exec python3 bench/run_peers.py build/release --syslog-ng "$sng" "$@"
