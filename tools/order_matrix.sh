#!/usr/bin/env bash
# tools/order_matrix.sh — weaken every memory order of the library one step, one at a time, and
# record which Relacy model catches it (`make order-matrix`; opt-in: it takes an hour or more).
#
#   tools/order_matrix.sh [substring]     only the sites whose header path contains substring
#
# 1. Builds the model binaries (build/models) and runs each once with CSP_SITES: every atomic
#    operation of primitives/include the models execute is recorded (file:line, kind, order).
# 2. For each such line, and for acq_rel read-modify-writes both of their one-step weakenings,
#    runs the binaries that execute it with CSP_WEAKEN=<path>:<line>[:a|r] (models/
#    order_matrix.hpp) and CSP_MODEL_FAIL_FAST, until one fails.
# 3. Writes build/logs/order_matrix/matrix.md: one row per weakening, "caught" with the suite
#    and Relacy's verdict, or "not caught". A site no model catches is an order stronger than
#    the models can justify: either a model is missing or the order can be relaxed — the
#    comment at the site must say which (docs/memory_orders.md keeps the reviewed table).
#
# Environment: JOBS (build parallelism, default 2), CSP_MATRIX_TIMEOUT (seconds per model run,
# default 900; a run cut short counts as not caught and is marked so), CSP_MATRIX_REUSE=1 (skip
# the build and step 1 when an earlier run left the site lists: lets shards, each given its own
# substring, run side by side; a shard writes matrix.<substring>.md).
set -u
cd "$(dirname "$0")/.."

filter="${1:-}"
jobs="${JOBS:-2}"
limit="${CSP_MATRIX_TIMEOUT:-900}"
build=build/models
out=build/logs/order_matrix
models=(wait_group_model once_model mutex_model channel_model channel_linearizability_model
        select_model)

mkdir -p "$out"
table="$out/matrix.md"
[ -n "$filter" ] && table="$out/matrix.$(echo "$filter" | tr '/:' '__').md"
if [[ "${CSP_MATRIX_REUSE:-0}" = 1 && -s "$out/sites.all" ]]; then
  reuse=1
else
  reuse=0
fi
if [ "$reuse" = 0 ]; then
  cmake --preset models >"$out/configure.log" 2>&1 || { cat "$out/configure.log"; exit 1; }
  cmake --build "$build" -j "$jobs" --target "${models[@]}" >"$out/build.log" 2>&1 ||
    { tail -40 "$out/build.log"; exit 1; }

  # 1. Which lines each model executes (and how long a full run takes: tried fastest first).
  rm -f "$out"/sites.* "$out"/time.*
  for m in "${models[@]}"; do
    start=$(date +%s)
    if ! CSP_SITES="$out/sites.$m" "$build/models/$m" >"$out/baseline.$m.log" 2>&1; then
      echo "order_matrix: $m fails without any weakening; see $out/baseline.$m.log" >&2
      exit 1
    fi
    echo $(($(date +%s) - start)) >"$out/time.$m"
    sort -u -o "$out/sites.$m" "$out/sites.$m"
  done
  cat "$out"/sites.wait_group_model "$out"/sites.once_model "$out"/sites.mutex_model \
      "$out"/sites.channel_model "$out"/sites.select_model 2>/dev/null | sort -u >"$out/sites.all"
fi
mapfile -t by_speed < <(for m in "${models[@]}"; do echo "$(cat "$out/time.$m") $m"; done |
                          sort -n | cut -d' ' -f2)

# Lines (path:line) with the kinds and orders seen there.
mapfile -t lines < <(cut -d' ' -f1 "$out/sites.all" | sort -t: -k1,1 -k2,2n -u)

{
  echo "| site | operations | weakened | verdict |"
  echo "|---|---|---|---|"
} >"$table"
caught=0
missed=0
for site in "${lines[@]}"; do
  [[ -n "$filter" && "$site" != *"$filter"* ]] && continue
  ops=$(grep -F "$site " "$out/sites.all" | cut -d' ' -f2,3 | sort -u | paste -sd, - |
        sed 's/,/, /g')
  variants=("")
  if grep -F "$site " "$out/sites.all" | grep -Eq ' (rmw|fence) acq_rel$'; then
    variants=(":r" ":a")
  fi
  # Only relaxed operations here: nothing to weaken.
  if ! grep -F "$site " "$out/sites.all" | grep -Eqv ' relaxed$'; then continue; fi
  for v in "${variants[@]}"; do
    spec="$site$v"
    verdict="not caught"
    for m in "${by_speed[@]}"; do
      grep -qF "$site " "$out/sites.$m" || continue
      log="$out/run.$(echo "$spec" | tr '/:' '__').$m.log"
      CSP_WEAKEN="$spec" CSP_MODEL_FAIL_FAST=1 timeout "$limit" "$build/models/$m" >"$log" 2>&1
      rc=$?
      if [ "$rc" = 124 ]; then
        verdict="not caught (a run of $m was cut at ${limit} s)"
      elif [ "$rc" != 0 ]; then
        hit=$(grep -E '^\[model\]' "$log" | grep -v ' SUCCESS ' | head -1 |
              sed -E 's/^\[model\] +//; s/ +(full search|bound [0-9]+|random [0-9]+) +/ · \1 · /;
                      s/ +[0-9,]+ schedules +/ · /; s/ +[0-9.]+ s$//')
        verdict="caught: $m · ${hit:-exit $rc}"
        break
      fi
    done
    case "$verdict" in caught*) caught=$((caught + 1)) ;; *) missed=$((missed + 1)) ;; esac
    printf '| `%s` | %s | %s | %s |\n' "$site" "$ops" "${v:-one step}" "$verdict" \
      >>"$table"
    printf '%-48s %s\n' "$spec" "$verdict"
  done
done
echo "order_matrix: $caught weakenings caught, $missed not caught; table: $table"
