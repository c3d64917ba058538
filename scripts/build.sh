#!/usr/bin/env bash
# Configures and builds one flavour (a preset of CMakePresets.json) into build/<flavour>:
#   release  optimised, what users run and benchmarks measure
#   ci       optimised with debug info and warnings as errors
#   asan     AddressSanitizer + UndefinedBehaviorSanitizer + libstdc++ assertions
#   tsan     ThreadSanitizer (strands must really serialize: any race is a failure)
#   fuzz     clang libFuzzer targets with ASan + UBSan (scripts/fuzz.sh runs them)
# Usage: scripts/build.sh [flavour] [target...]
set -euo pipefail
cd "$(dirname "$0")/.."

flavour="${1:-release}"
shift || true
case "$flavour" in
  release|ci|asan|tsan|fuzz) ;;
  *) echo "unknown flavour $flavour (release, ci, asan, tsan, fuzz)" >&2; exit 2 ;;
esac

jobs="${SIGHTLINE_BUILD_JOBS:-$(nproc)}"
cmake --preset "$flavour" >/dev/null
cmake --build --preset "$flavour" -j "$jobs" ${1:+--target "$@"}
