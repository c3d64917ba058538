#!/usr/bin/env bash
# Installs the peer syslog daemons the tests send with and the benchmark compares with:
# rsyslog from Debian, and syslog-ng-core unpacked into build/peers/syslog-ng (the two
# packages conflict, so syslog-ng is never installed as a package). Idempotent: quick
# when both are there. Prints nothing when nothing was missing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh rsyslog rsyslog-openssl libivykis0 libnet1 libjson-c5 libglib2.0-0 libwrap0 libpcre3

sng=build/peers/syslog-ng
if [ ! -x "$sng/usr/sbin/syslog-ng" ]; then
  echo "peers: unpacking syslog-ng-core into $sng"
  dl="$(mktemp -d)"
  trap 'rm -rf "$dl"' EXIT
  chmod 755 "$dl"  # apt-get download runs as _apt where it can
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  (cd "$dl" && { apt-get download -q syslog-ng-core || { $sudo apt-get update -qq && apt-get download -q syslog-ng-core; }; })
  mkdir -p "$sng"
  dpkg -x "$dl"/syslog-ng-core_*.deb "$sng"
fi
