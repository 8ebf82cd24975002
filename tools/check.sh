#!/usr/bin/env bash
# `make check`: build every tier in its own tree, run each, and end with one line per build,
# one per tier (its tests alone) and a total. Exits non-zero if anything failed to build or
# pass. Logs: build/logs/.
#
#   tier     tree (CMake preset)   what runs
#   unit     release               GoogleTest unit, conformance, Go-port and stress tests
#   stress   release               stress: millions of messages per channel (CSP_STRESS_SCALE)
#   prop     release               RapidCheck properties
#   example  release               the examples, output checked
#   install  release               an outside project finds and uses the installed package
#   model    models                Relacy models of every implementation
#   mutant   models                planted bugs, each of which must be caught
#   tsan     tsan                  unit + prop + examples under ThreadSanitizer, and must-race
#   asan     asan-ubsan            unit + prop + examples under ASan + UBSan (+ LeakSanitizer),
#                                  built with clang 14 at -O0: the clang build of every test
#   clang    clang                 unit + examples with clang 14 at -O3 (only when asked for)
#
# Environment: JOBS (default: nproc), CSP_TIERS (default: every tier but clang, e.g. "unit
# model"), CSP_STRESS_SCALE (default 1; make check-long raises it).
set -u -o pipefail
cd "$(dirname "$0")/.."

JOBS="${JOBS:-$(nproc)}"
LOGS=build/logs
mkdir -p "$LOGS"
ALL_TIERS="unit:release stress:release prop:release example:release install:release model:models mutant:models tsan:tsan asan:asan-ubsan clang:clang"
# The asan lane already builds every test with clang; a second, optimized clang build would add
# three minutes to make check for little (make clang runs it).
WANT="${CSP_TIERS:-unit stress prop example install model mutant tsan asan}"

declare -A built=()
rows=()
total=0
passed=0
failed_tiers=0
start=$SECONDS

fmt_time() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
# One line of the summary: tier, tree, tests, passed, failed, time, verdict.
row() { printf '%-8s %-11s %6s %6s %6s %8s  %s' "$@"; }

build_tree() {
  local preset=$1
  if [ -z "${built[$preset]:-}" ]; then
    local t0=$SECONDS
    echo "== build $preset"
    if cmake --preset "$preset" >"$LOGS/$preset.configure.log" 2>&1 &&
       cmake --build --preset "$preset" -j "$JOBS" >"$LOGS/$preset.build.log" 2>&1; then
      built[$preset]=0
      echo "   built in $(fmt_time $((SECONDS - t0)))"
      rows+=("$(row build "$preset" - - - "$(fmt_time $((SECONDS - t0)))" ok)")
    else
      built[$preset]=1
      echo "   BUILD FAILED ($LOGS/$preset.build.log):"
      tail -n 40 "$LOGS/$preset.configure.log" "$LOGS/$preset.build.log" | sed 's/^/   | /'
    fi
  fi
  return "${built[$preset]}"
}

run_tier() {
  local tier=$1 preset=$2 log="$LOGS/$1.log" t0
  if ! build_tree "$preset"; then
    rows+=("$(row "$tier" "$preset" - - - - "BUILD FAILED")")
    failed_tiers=$((failed_tiers + 1))
    return
  fi
  echo "== $tier ($preset)"
  t0=$SECONDS  # the tier's own time: its tree's build is reported on its own line
  ctest --preset "$preset" -L "^${tier}\$" -j "$JOBS" --no-tests=error >"$log" 2>&1
  local rc=$?
  local n f
  n=$(grep -oP 'tests? failed out of \K[0-9]+' "$log" | tail -1)
  f=$(grep -oP '[0-9]+(?= tests? failed out of)' "$log" | tail -1)
  n=${n:-0}
  f=${f:-$n}
  local p=$((n - f)) verdict=ok
  if [ "$rc" -ne 0 ] || [ "$n" -eq 0 ]; then
    verdict=FAILED
    failed_tiers=$((failed_tiers + 1))
    echo "   FAILED ($log):"
    sed -n '/The following tests FAILED/,$p' "$log" | head -n 30 | sed 's/^/   | /'
  fi
  total=$((total + n))
  passed=$((passed + p))
  local secs=$((SECONDS - t0))
  rows+=("$(row "$tier" "$preset" "$n" "$p" "$f" "$(fmt_time $secs)" "$verdict")")
  echo "   $p/$n passed in $(fmt_time $secs)"
}

for entry in $ALL_TIERS; do
  tier=${entry%%:*}
  preset=${entry#*:}
  if [ -n "$WANT" ] && ! [[ " $WANT " == *" $tier "* ]]; then continue; fi
  run_tier "$tier" "$preset"
done

echo
row tier tree tests passed failed time verdict; echo
printf '%s\n' "${rows[@]}"
row total "" "$total" "$passed" $((total - passed)) "$(fmt_time $((SECONDS - start)))" \
  "$([ $failed_tiers -eq 0 ] && echo ok || echo "FAILED ($failed_tiers tiers)")"
echo
[ "$failed_tiers" -eq 0 ]
