#!/usr/bin/env bash
# Installs what is missing, builds Sightline (Release) and runs it. With no arguments
# it runs the default configuration (conf/sightline.json: TCP and UDP on 5140, HTTP on
# 127.0.0.1:8000); any arguments are passed to sightline.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/npm_deps.sh
scripts/build.sh release sightline
exec build/release/sightline "$@"
