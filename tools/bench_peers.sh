#!/usr/bin/env bash
# tools/bench_peers.sh (make bench-peers): csp's channels beside Go's and crossbeam-channel's,
# in one run on this machine. Opt-in; make check never runs it.
#
# Installs what the peers need from Debian 12 through tools/deps.sh (golang-go,
# librust-crossbeam-channel-dev, and cargo when none is on PATH), builds bench/peers/go and
# bench/peers/crossbeam into build/peers (cargo offline, from Debian's crate sources), and
# channel_bench in the release tree. Then it measures in rounds: in each round, row by row,
# the spin floor, csp's three families (Google Benchmark), Go's and crossbeam's, one right after
# the other, so that the programs of a row share the machine's state of the moment. This
# machine is a VM whose speed drifts by 2x and more over minutes (the spin floor has ranged from
# 42 to 480 ns): a ratio of two figures taken minutes apart measures the drift as much as the
# channels. So each ratio is taken within a round, of figures seconds apart, and the table gives
# the median over the rounds of those ratios, beside the median of each program's figures.
# The futex floor is measured before and after the rounds. Output: one markdown table of
# medians in ns (per message; ping-pong per round trip) and the ratios the channel issue sets
# targets for, with their range over the rounds.
#
#   CSP_PEER_ROUNDS   rounds (default 5)
#   CSP_PEER_MIN_MS   each measurement lasts at least this long, in ms (default 400)
#   CSP_PEER_ROWS     a regular expression: only the rows it matches (default all)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
rounds=${CSP_PEER_ROUNDS:-5}
min_ms=${CSP_PEER_MIN_MS:-400}
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

samples=$out/samples.txt # "<row>/<impl> <ns> <round>", one line per measurement
: >"$samples"

# One run of the Google Benchmark rows matching the regular expression $1, as "<name> <ns> $2".
gbench() {
  "$csp_bench" --benchmark_filter="$1" \
    --benchmark_min_time="$(awk -v ms="$min_ms" 'BEGIN { print ms / 1000 }')" |
    awk -v round="$2" '$1 ~ /\/real_time$/ && $3 == "ns" { sub(/\/real_time$/, "", $1); print $1, $2, round }'
}

rows=(spsc/cap:0 spsc/cap:1 spsc/cap:1024 mpsc/cap:0 mpsc/cap:1 mpsc/cap:1024
  mpmc/cap:0 mpmc/cap:1 mpmc/cap:1024 ping_pong/cap:0 ping_pong/cap:1 fan_out_64/cap:1024)
gbench '^floor/futex' before >>"$samples"
# Run order: fan_out_64 right after the row it is compared with.
run_order=(spsc/cap:0 spsc/cap:1 spsc/cap:1024 mpsc/cap:0 mpsc/cap:1 mpsc/cap:1024
  mpmc/cap:0 mpmc/cap:1 mpmc/cap:1024 fan_out_64/cap:1024 ping_pong/cap:0 ping_pong/cap:1)
for ((round = 1; round <= rounds; ++round)); do
  for row in "${run_order[@]}"; do
    [[ $row =~ $only ]] || continue
    echo "bench-peers: round $round of $rounds, $row" >&2
    gbench '^floor/spin' "$round" | sed "s|^floor/spin_round_trip|$row/floor|" >>"$samples"
    gbench "^$row/" "$round" >>"$samples"
    "$go_bench" -row "$row" -reps 1 -min_time "${min_ms}ms" |
      awk -v round="$round" '{ print $1, $2, round }' >>"$samples"
    "$cb_bench" --row "$row" --reps 1 --min-time-ms "$min_ms" |
      awk -v round="$round" '{ print $1, $2, round }' >>"$samples"
  done
done
gbench '^floor/futex' after >>"$samples"

awk -v rows="${rows[*]}" '
  function fmt(x) { return x == "" ? "–" : (x >= 1000 ? sprintf("%.0f", x) : sprintf("%.1f", x)) }
  # The median of the values in v[1..n] (sorted in place), "" if none.
  function median(v, n,   i, j, x) {
    if (n == 0) return ""
    for (i = 2; i <= n; ++i) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; --j) v[j + 1] = v[j]; v[j + 1] = x }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  # The median over the rounds of impl a / impl b in row r, with its range, as "1.02 (0.95–1.10)".
  function ratio(r, a, b,   k, n, v, lo, hi) {
    n = 0
    for (k = 1; k <= R; ++k) {
      if ((r, a, k) in t && (r, b, k) in t && t[r, b, k] > 0) v[++n] = t[r, a, k] / t[r, b, k]
    }
    if (n == 0) return "–"
    lo = hi = v[1]
    for (k = 2; k <= n; ++k) { if (v[k] < lo) lo = v[k]; if (v[k] > hi) hi = v[k] }
    return sprintf("%.2f (%.2f–%.2f)", median(v, n), lo, hi)
  }
  function mid(r, a,   k, n, v) {
    n = 0
    for (k = 1; k <= R; ++k) if ((r, a, k) in t) v[++n] = t[r, a, k]
    return median(v, n)
  }
  {
    name = $1; impl = name; sub(/.*\//, "", impl); row = name; sub(/\/[^\/]*$/, "", row)
    if (row == "floor") { futex[$3] = $2; next }
    t[row, impl, $3] = $2
    if ($3 + 0 > R) R = $3 + 0
  }
  END {
    printf "| row | csp lock_free | csp mutex_based | condvar queue | Go | crossbeam | spin floor | lock_free / Go | lock_free / crossbeam |\n"
    printf "|---|---|---|---|---|---|---|---|---|\n"
    n = split(rows, r, " ")
    for (i = 1; i <= n; ++i) {
      if (mid(r[i], "lock_free") == "") continue
      printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r[i], fmt(mid(r[i], "lock_free")),
             fmt(mid(r[i], "mutex_based")), fmt(mid(r[i], "condvar_queue")), fmt(mid(r[i], "go")),
             fmt(mid(r[i], "crossbeam")), fmt(mid(r[i], "floor")), ratio(r[i], "lock_free", "go"),
             ratio(r[i], "lock_free", "crossbeam")
    }
    printf "\n%d rounds; medians of the rounds, ns; ratios: the median over the rounds of the ratio within each round, (its range)\n", R
    printf "futex round trip: %s ns before the rounds, %s after\n", fmt(futex["before"]), fmt(futex["after"])
    for (c = 0; c <= 1; ++c) {
      row = "ping_pong/cap:" c
      if (mid(row, "lock_free") != "") printf "%s: lock_free %s x the spin round trip of its round (target: 4x); Go %s x, crossbeam %s x\n", row, ratio(row, "lock_free", "floor"), ratio(row, "go", "floor"), ratio(row, "crossbeam", "floor")
    }
    fo = "fan_out_64/cap:1024"; mm = "mpmc/cap:1024"
    if (mid(fo, "lock_free") != "" && mid(mm, "lock_free") != "") {
      for (k = 1; k <= R; ++k) if ((mm, "lock_free", k) in t) t[fo, "mpmc", k] = t[mm, "lock_free", k]
      printf "fan_out_64: lock_free %s x the mpmc/cap:1024 row of its round (target: 1.5x)\n", ratio(fo, "lock_free", "mpmc")
    }
  }' "$samples"
