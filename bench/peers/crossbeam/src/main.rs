//! crossbeam-channel on the rows of bench/channel_bench.cpp, for tools/bench_peers.sh.
//!
//! Each row is defined as in channel_bench.cpp, with OS threads:
//!
//!   spsc|mpsc|mpmc/cap:C  1:1, 4:1, 4:4 threads; ns per message
//!   ping_pong/cap:C       one thread sends on ping and waits for the echo on pong; ns per round
//!                         trip (two messages)
//!   fan_out_64/cap:1024   64 receivers blocked on an empty channel, one sender; ns per message
//!
//! For the flows, the receivers start first, the senders are released together when timing
//! starts, and timing ends when the last receiver has drained the channel after the last sender
//! dropped it (crossbeam's close); thread creation is not timed. A row is calibrated as Google
//! Benchmark does (the message count grows until a run lasts at least --min-time-ms), then run
//! --reps times at that count; --row runs one row. Output, one line per row:
//!
//!   <row>/crossbeam <median ns> <min ns> <max ns>
use crossbeam_channel::bounded;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

/// Sends n messages in all from `senders` threads to `receivers` threads through a channel of
/// `capacity`; the time from the senders' release to the last receiver's end.
fn flow(senders: usize, receivers: usize, capacity: usize, n: u64) -> Duration {
    let (tx, rx) = bounded::<u64>(capacity);
    let ready = Arc::new(Barrier::new(senders + receivers + 1));
    let start = Arc::new(Barrier::new(senders + 1));
    let rx_threads: Vec<_> = (0..receivers)
        .map(|_| {
            let (rx, ready) = (rx.clone(), ready.clone());
            thread::spawn(move || {
                ready.wait();
                while rx.recv().is_ok() {}
            })
        })
        .collect();
    drop(rx);
    let tx_threads: Vec<_> = (0..senders as u64)
        .map(|s| {
            let share = n / senders as u64 + u64::from(s < n % senders as u64);
            let (tx, ready, start) = (tx.clone(), ready.clone(), start.clone());
            thread::spawn(move || {
                ready.wait();
                start.wait();
                for i in 0..share {
                    tx.send(i).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    ready.wait();
    let t0 = Instant::now();
    start.wait();
    for t in tx_threads {
        t.join().unwrap();
    }
    for t in rx_threads {
        t.join().unwrap();
    }
    t0.elapsed()
}

/// n round trips through two channels of `capacity` and an echoing thread.
fn ping_pong(capacity: usize, n: u64) -> Duration {
    let (ping_tx, ping_rx) = bounded::<u64>(capacity);
    let (pong_tx, pong_rx) = bounded::<u64>(capacity);
    let echo = thread::spawn(move || {
        while let Ok(v) = ping_rx.recv() {
            pong_tx.send(v).unwrap();
        }
    });
    let t0 = Instant::now();
    let mut echoed = 0u64; // (std::hint::black_box needs Rust 1.66; Debian 12 has 1.63)
    for i in 0..n {
        ping_tx.send(i).unwrap();
        echoed += pong_rx.recv().unwrap();
    }
    let d = t0.elapsed();
    assert_eq!(echoed, n * (n - 1) / 2, "the echo returned other values");
    drop(ping_tx);
    echo.join().unwrap();
    d
}

type Row = (String, Box<dyn Fn(u64) -> Duration>);

fn rows() -> Vec<Row> {
    let mut out: Vec<Row> = Vec::new();
    for (name, senders, receivers) in [("spsc", 1, 1), ("mpsc", 4, 1), ("mpmc", 4, 4)] {
        for cap in [0usize, 1, 1024] {
            out.push((
                format!("{name}/cap:{cap}"),
                Box::new(move |n| flow(senders, receivers, cap, n)),
            ));
        }
    }
    for cap in [0usize, 1] {
        out.push((
            format!("ping_pong/cap:{cap}"),
            Box::new(move |n| ping_pong(cap, n)),
        ));
    }
    out.push((
        "fan_out_64/cap:1024".to_string(),
        Box::new(|n| flow(1, 64, 1024, n)),
    ));
    out
}

fn main() {
    let mut min_time = Duration::from_millis(500);
    let mut reps = 3usize;
    let mut only = String::new();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i + 1 < args.len() {
        match args[i].as_str() {
            "--min-time-ms" => min_time = Duration::from_millis(args[i + 1].parse().unwrap()),
            "--reps" => reps = args[i + 1].parse().unwrap(),
            "--row" => only = args[i + 1].clone(),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    for (name, run) in rows() {
        if !only.is_empty() && name != only {
            continue;
        }
        let mut n = 1000u64;
        while run(n) < min_time && n < 1 << 30 {
            n *= 2;
        }
        let mut per: Vec<f64> = (0..reps)
            .map(|_| run(n).as_nanos() as f64 / n as f64)
            .collect();
        per.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "{name}/crossbeam {:.1} {:.1} {:.1}",
            per[reps / 2],
            per[0],
            per[reps - 1]
        );
    }
}
