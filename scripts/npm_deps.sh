#!/usr/bin/env bash
# Installs the npm packages pinned by package-lock.json into ./node_modules: the
# dashboard's browser libraries (uPlot, dagre), which Sightline serves under /vendor/,
# and playwright-core for the browser test. Never committed; `npm ci` makes it exact.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefer-offline --no-audit --no-fund --loglevel=error
