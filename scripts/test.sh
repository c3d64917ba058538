#!/usr/bin/env bash
# Installs what is missing, builds and runs the whole test suite through ctest: once
# optimised with warnings as errors, once under AddressSanitizer + UBSan, once under
# ThreadSanitizer. The integration tests fail on any sanitizer report of the server.
# First the libFuzzer targets run for a bounded time each (scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# promtool (package prometheus) checks /metrics and conf/prometheus/, a real Alertmanager
# receives alerts in the alerts test, and the dashboard test drives Debian's chromium;
# clang and its compiler-rt (libFuzzer, sanitizer runtimes) build the fuzz targets;
# nats-server (JetStream) and clickhouse-server receive from the network sinks; lintian,
# dpkg-dev, file and systemd (systemd-analyze) build and check the Debian package. The run
# command needs none of them.
scripts/setup.sh prometheus prometheus-alertmanager chromium clang-14 libclang-rt-14-dev nats-server clickhouse-server lintian dpkg-dev file systemd openssl
scripts/npm_deps.sh
# rsyslog and syslog-ng send and forward in the syslog senders test (build/peers/syslog-ng).
scripts/peers.sh

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1"

status=0
echo "== fuzz"
scripts/fuzz.sh "${SIGHTLINE_FUZZ_SECONDS:-20}" || status=1
for flavour in ci asan tsan; do
  echo "== build $flavour"
  scripts/build.sh "$flavour"
  echo "== test $flavour"
  ctest --test-dir "build/$flavour" --output-on-failure --timeout 600 || status=1
done
exit $status
