// chan_bench: Go's channels on the rows of bench/channel_bench.cpp, for tools/bench_peers.sh.
//
// Each row is defined as in channel_bench.cpp, with goroutines where that file has threads:
//
//	spsc|mpsc|mpmc/cap:C  1:1, 4:1, 4:4 goroutines; ns per message
//	ping_pong/cap:C       one goroutine sends on ping and waits for the echo on pong; ns per
//	                      round trip (two messages)
//	fan_out_64/cap:1024   64 receivers blocked on an empty channel, one sender; ns per message
//
// For the flows, the receivers start first, the senders are released together when timing
// starts, and timing ends when the last receiver has drained the channel after close(). A row
// is calibrated as Google Benchmark does (the message count grows until a run lasts at least
// -min_time), then run -reps times at that count; -row runs one row. Output, one line per row:
//
//	<row>/go <median ns> <min ns> <max ns>
//
// GOMAXPROCS is Go's default, the number of CPUs.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"
)

// flow sends n messages in all from `senders` goroutines to `receivers` goroutines through a
// channel of `capacity`, and returns the time from the senders' release to the last receiver's
// end.
func flow(senders, receivers, capacity, n int) time.Duration {
	ch := make(chan uint64, capacity)
	var ready, sent, drained sync.WaitGroup
	ready.Add(senders + receivers)
	sent.Add(senders)
	drained.Add(receivers)
	start := make(chan struct{})
	for r := 0; r < receivers; r++ {
		go func() {
			ready.Done()
			for range ch {
			}
			drained.Done()
		}()
	}
	for s := 0; s < senders; s++ {
		share := n / senders
		if s < n%senders {
			share++
		}
		go func(share int) {
			ready.Done()
			<-start
			for i := 0; i < share; i++ {
				ch <- uint64(i)
			}
			sent.Done()
		}(share)
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	sent.Wait()
	close(ch)
	drained.Wait()
	return time.Since(t0)
}

// pingPong times n round trips through two channels of `capacity` and an echoing goroutine.
func pingPong(capacity, n int) time.Duration {
	ping := make(chan uint64, capacity)
	pong := make(chan uint64, capacity)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	t0 := time.Now()
	for i := 0; i < n; i++ {
		ping <- uint64(i)
		<-pong
	}
	d := time.Since(t0)
	close(ping)
	return d
}

type row struct {
	name string
	run  func(n int) time.Duration
}

func rows() []row {
	var out []row
	patterns := []struct {
		name               string
		senders, receivers int
	}{{"spsc", 1, 1}, {"mpsc", 4, 1}, {"mpmc", 4, 4}}
	for _, p := range patterns {
		for _, c := range []int{0, 1, 1024} {
			p, c := p, c
			out = append(out, row{fmt.Sprintf("%s/cap:%d", p.name, c),
				func(n int) time.Duration { return flow(p.senders, p.receivers, c, n) }})
		}
	}
	for _, c := range []int{0, 1} {
		c := c
		out = append(out, row{fmt.Sprintf("ping_pong/cap:%d", c),
			func(n int) time.Duration { return pingPong(c, n) }})
	}
	out = append(out, row{"fan_out_64/cap:1024",
		func(n int) time.Duration { return flow(1, 64, 1024, n) }})
	return out
}

func main() {
	minTime := flag.Duration("min_time", 500*time.Millisecond, "calibrate each row to at least this long a run")
	reps := flag.Int("reps", 3, "runs per row, at the calibrated count")
	only := flag.String("row", "", "only this row (all if empty)")
	flag.Parse()
	for _, r := range rows() {
		if *only != "" && r.name != *only {
			continue
		}
		n := 1000
		for r.run(n) < *minTime && n < 1<<30 {
			n *= 2
		}
		per := make([]float64, *reps)
		for i := range per {
			per[i] = float64(r.run(n).Nanoseconds()) / float64(n)
		}
		sort.Float64s(per)
		fmt.Fprintf(os.Stdout, "%s/go %.1f %.1f %.1f\n", r.name, per[len(per)/2], per[0], per[len(per)-1])
	}
}
