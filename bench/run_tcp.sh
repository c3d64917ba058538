#!/usr/bin/env bash
# TCP benchmark, one command: installs what is missing, builds Release, then runs
# bench/run_tcp.py (0 vs 100 WebSocket clients, alternating rounds).
# Usage: bench/run_tcp.sh [--lines N] [--connections C] [--rounds R]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release sightline sightline_bench >/dev/null
exec python3 bench/run_tcp.py build/release "$@"
