#!/usr/bin/env bash
# tools/bench_peers.sh (make bench-peers): csp's channels beside Go's and crossbeam-channel's,
# in one run on this machine. Opt-in; make check never runs it.
#
# Installs what the peers need from Debian 12 through tools/deps.sh (golang-go,
# librust-crossbeam-channel-dev, and cargo when none is on PATH), builds bench/peers/go and
# bench/peers/crossbeam into build/peers (cargo offline, from Debian's crate sources), and
# channel_bench in the release tree. Then, row by row, it runs csp's three families (Google
# Benchmark, median of the repetitions), Go's and crossbeam's, one right after the other, so a
# row's peers share the machine's state of the moment; the floors are measured before and
# after the rows. It prints one markdown table of medians in ns (per message; ping-pong per
# round trip) and the ratios the channel issue sets targets for.
#
#   CSP_PEER_REPS     repetitions per row and program (default 3)
#   CSP_PEER_MIN_MS   each repetition lasts at least this long, in ms (default 500)
#   CSP_PEER_ROWS     a regular expression: only the rows it matches (default all)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
reps=${CSP_PEER_REPS:-3}
min_ms=${CSP_PEER_MIN_MS:-500}
only=${CSP_PEER_ROWS:-.}
out=build/peers
mkdir -p "$out"

peers=(golang-go librust-crossbeam-channel-dev)
command -v cargo >/dev/null || peers+=(cargo)
tools/deps.sh "${peers[@]}"

cmake --preset release >/dev/null
cmake --build --preset release -j "${JOBS:-$(nproc)}" --target channel_bench >/dev/null
GOCACHE="$root/$out/gocache" go build -o "$out/go_chan_bench" bench/peers/go/chan_bench.go
(cd bench/peers/crossbeam &&
  CARGO_TARGET_DIR="$root/$out/crossbeam" cargo build --release --quiet)
csp_bench=build/release/bench/channel_bench
go_bench=$out/go_chan_bench
cb_bench=$out/crossbeam/release/crossbeam_chan_bench

samples=$out/samples.txt # "<row>/<impl> <median ns>", one line per measurement
: >"$samples"

# Google Benchmark rows matching the regular expression $1, as "<name> <median ns>".
gbench() {
  "$csp_bench" --benchmark_filter="$1" --benchmark_repetitions="$reps" \
    --benchmark_min_time="$(awk -v ms="$min_ms" 'BEGIN { print ms / 1000 }')" \
    --benchmark_report_aggregates_only=true |
    awk '$1 ~ /_median$/ && $3 == "ns" { sub(/\/real_time_median$/, "", $1); print $1, $2 }'
}

gbench '^floor/' | sed 's/$/ before/' >>"$samples"
rows=(spsc/cap:0 spsc/cap:1 spsc/cap:1024 mpsc/cap:0 mpsc/cap:1 mpsc/cap:1024
  mpmc/cap:0 mpmc/cap:1 mpmc/cap:1024 ping_pong/cap:0 ping_pong/cap:1 fan_out_64/cap:1024)
for row in "${rows[@]}"; do
  [[ $row =~ $only ]] || continue
  echo "bench-peers: $row" >&2
  gbench "^$row/" >>"$samples"
  "$go_bench" -row "$row" -reps "$reps" -min_time "${min_ms}ms" | cut -d' ' -f1,2 >>"$samples"
  "$cb_bench" --row "$row" --reps "$reps" --min-time-ms "$min_ms" | cut -d' ' -f1,2 >>"$samples"
done
gbench '^floor/' | sed 's/$/ after/' >>"$samples"

awk -v rows="${rows[*]}" '
  function fmt(x) { return x == "" ? "–" : (x >= 1000 ? sprintf("%.0f", x) : sprintf("%.1f", x)) }
  function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "–" : sprintf("%.2f", a / b) }
  {
    name = $1; impl = name; sub(/.*\//, "", impl); row = name; sub(/\/[^\/]*$/, "", row)
    if (row == "floor") { floor[impl "/" $3] = $2; next }
    t[row, impl] = $2
  }
  END {
    printf "| row | csp lock_free | csp mutex_based | condvar queue | Go | crossbeam | lock_free / Go | lock_free / crossbeam |\n"
    printf "|---|---|---|---|---|---|---|---|\n"
    n = split(rows, r, " ")
    for (i = 1; i <= n; ++i) {
      if (!((r[i], "lock_free") in t)) continue
      lf = t[r[i], "lock_free"]; go = t[r[i], "go"]; cb = t[r[i], "crossbeam"]
      printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", r[i], fmt(lf),
             fmt(t[r[i], "mutex_based"]), fmt(t[r[i], "condvar_queue"]), fmt(go), fmt(cb),
             ratio(lf, go), ratio(lf, cb)
    }
    spin = (floor["spin_round_trip/before"] + floor["spin_round_trip/after"]) / 2
    printf "\nfloor: spin round trip %s ns before the rows, %s after; futex round trip %s, %s\n",
           fmt(floor["spin_round_trip/before"]), fmt(floor["spin_round_trip/after"]),
           fmt(floor["futex_round_trip/before"]), fmt(floor["futex_round_trip/after"])
    for (c = 0; c <= 1; ++c) {
      pp = t["ping_pong/cap:" c, "lock_free"]
      if (pp != "") printf "ping_pong/cap:%d: lock_free %s x the spin round trip (target: 4x); Go %s x, crossbeam %s x\n", c, ratio(pp, spin), ratio(t["ping_pong/cap:" c, "go"], spin), ratio(t["ping_pong/cap:" c, "crossbeam"], spin)
    }
    fo = t["fan_out_64/cap:1024", "lock_free"]; mm = t["mpmc/cap:1024", "lock_free"]
    if (fo != "" && mm != "") printf "fan_out_64: lock_free %s x its mpmc/cap:1024 row (target: 1.5x)\n", ratio(fo, mm)
  }' "$samples"
