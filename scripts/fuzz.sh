#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (preset "fuzz", into build/fuzz) and runs each
# for a bounded time from its seed corpus test/fuzz/corpus/<target>/. A crash, a leak,
# a sanitizer report, a timeout or a broken invariant fails the run; the input is kept
# in build/fuzz/artifacts/ and printed: copy it to test/fuzz/regressions/<target>/ so
# the unit tests replay it in every build flavour, and fix the bug.
# Usage: scripts/fuzz.sh [seconds per target (default 30)] [target...]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-${SIGHTLINE_FUZZ_SECONDS:-30}}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=(line_splitter config http_request client_message frame_splitter parse_syslog parse_json parse_logfmt
  parse_regex); fi

scripts/build.sh fuzz "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
artifacts=build/fuzz/artifacts
mkdir -p "$artifacts"
passed=0
failed=0
for t in "${targets[@]}"; do
  found=$(mktemp -d)  # inputs found this run; the seed corpus in the repository stays as it is
  dict=()
  if [ -f "test/fuzz/$t.dict" ]; then dict=(-dict="test/fuzz/$t.dict"); fi
  echo "== fuzz $t for ${seconds}s"
  if build/fuzz/fuzz_"$t" "$found" "test/fuzz/corpus/$t" "${dict[@]}" -max_total_time="$seconds" -timeout=10 \
       -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 -artifact_prefix="$artifacts/$t-" \
       >"$artifacts/$t.log" 2>&1; then
    passed=$((passed + 1))
    grep -E "^stat::number_of_executed_runs|^stat::new_units_added|^Done" "$artifacts/$t.log" || true
  else
    failed=$((failed + 1))
    echo "FAIL fuzz $t: crash input(s):" $(ls "$artifacts/$t-"* 2>/dev/null)
    tail -40 "$artifacts/$t.log"
  fi
  rm -rf "$found"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
