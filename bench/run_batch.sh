#!/usr/bin/env bash
# Batch-mode benchmark: a generated 2 000 000-line file (about 110 bytes a line, mixed
# levels) through tagger -> tag_router -> 3 file sinks, ROUNDS times. Prints lines/s
# (wall clock of the whole process, start-up included), MB/s, CPU seconds per million
# lines and peak RSS for each round, then the median, min and max.
# Usage: bench/run_batch.sh [LINES] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
lines="${1:-2000000}"
rounds="${2:-5}"
scripts/setup.sh time
scripts/build.sh release sightline sightline_bench >/dev/null

work="$(mktemp -d /tmp/sl-bench-batch.XXXXXX)"
trap 'rm -rf "$work"' EXIT
build/release/sightline_bench generate --lines "$lines" --out "$work/input.log"
bytes=$(stat -c %s "$work/input.log")
cp bench/batch.json "$work/"

results=()
for r in $(seq 1 "$rounds"); do
  rm -f "$work"/*.log.out "$work"/errors.log "$work"/warnings.log "$work"/rest.log
  sync
  start=$(date +%s.%N)
  ( cd "$work" && /usr/bin/time -f "%M %U %S" -o time.txt \
      "$OLDPWD/build/release/sightline" --file input.log --config batch.json --no-dashboard \
      --save-metrics metrics.json --log-level warn )
  end=$(date +%s.%N)
  read -r rss_kb user sys < "$work/time.txt"
  out_lines=$(cat "$work"/errors.log "$work"/warnings.log "$work"/rest.log | wc -l)
  if [ "$out_lines" -ne "$lines" ]; then
    echo "round $r: sinks hold $out_lines lines, expected $lines: result rejected" >&2
    exit 1
  fi
  line=$(python3 - "$start" "$end" "$lines" "$bytes" "$rss_kb" "$user" "$sys" <<'PY'
import sys
start, end, lines, size, rss, user, sys_ = map(float, sys.argv[1:])
wall = end - start
print(f"{lines / wall:.0f} {size / wall / 1e6:.1f} {(user + sys_) / (lines / 1e6):.3f} {rss / 1024:.1f}")
PY
)
  echo "round $r: lines/s MB/s cpu_s_per_M peak_rss_MiB = $line"
  results+=("$line")
done
printf '%s\n' "${results[@]}" | python3 -c '
import sys, statistics
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
lps = [r[0] for r in rows]
med = statistics.median(lps)
mid = min(rows, key=lambda r: abs(r[0] - med))
print(f"median {med:,.0f} lines/s (min {min(lps):,.0f}, max {max(lps):,.0f}); {mid[1]} MB/s; "
      f"{mid[2]} CPU s per million lines; peak RSS {max(r[3] for r in rows):.1f} MiB")
'
