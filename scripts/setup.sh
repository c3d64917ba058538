#!/usr/bin/env bash
# Installs what Sightline needs to build and test on Debian 12, and only what is
# missing (so it is quick on a machine that already has everything). Extra package
# names given as arguments are installed too (benchmarks use this).
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config python3 procps
  libboost1.81-dev libboost-json1.81-dev libboost-log1.81-dev
  libboost-program-options1.81-dev libboost-test1.81-dev
  zlib1g-dev libnats-dev libssl-dev
  "$@"
)
# npm installs the dashboard's browser libraries (package.json); Debian's Node.js does
# where the machine has none of its own.
if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
