#!/usr/bin/env bash
# Builds the Debian package from the release flavour (README "Debian package"):
#   build/release/package/sightline_<version>_amd64.deb
# Install it with `dpkg -i` (or `apt install ./build/release/package/sightline_*.deb`,
# which also fetches the Boost and NATS runtime libraries it depends on).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh dpkg-dev file
scripts/npm_deps.sh  # the dashboard's browser libraries go into the package
scripts/build.sh release
rm -f build/release/package/*.deb
(cd build/release && cpack -G DEB)
ls build/release/package/*.deb
