#!/usr/bin/env bash
# Configures and builds one flavour into build/<flavour>:
#   release  optimised, what users run and benchmarks measure
#   ci       optimised with debug info and warnings as errors
#   asan     AddressSanitizer + UndefinedBehaviorSanitizer + libstdc++ assertions
#   tsan     ThreadSanitizer (strands must really serialize: any race is a failure)
# Usage: scripts/build.sh [flavour] [target...]
set -euo pipefail
cd "$(dirname "$0")/.."

flavour="${1:-release}"
shift || true
case "$flavour" in
  release) args=(-DCMAKE_BUILD_TYPE=Release) ;;
  ci)      args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIGHTLINE_WERROR=ON) ;;
  asan)    args=(-DCMAKE_BUILD_TYPE=Debug -DSIGHTLINE_WERROR=ON "-DSIGHTLINE_SANITIZE=address,undefined" "-DCMAKE_CXX_FLAGS=-D_GLIBCXX_ASSERTIONS") ;;
  # g++ warns that TSan does not model the fences Asio uses (-Wtsan); the run decides.
  tsan)    args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIGHTLINE_WERROR=ON "-DSIGHTLINE_SANITIZE=thread" "-DCMAKE_CXX_FLAGS=-Wno-tsan") ;;
  *) echo "unknown flavour $flavour (release, ci, asan, tsan)" >&2; exit 2 ;;
esac

jobs="${SIGHTLINE_BUILD_JOBS:-$(nproc)}"
cmake -S . -B "build/$flavour" -G Ninja "${args[@]}" >/dev/null
cmake --build "build/$flavour" -j "$jobs" ${1:+--target "$@"}
