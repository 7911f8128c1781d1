//! What the fuzz targets share: a peak-allocation check against the bounds djsign
//! states (`Limits::peak_bound`, `pickle::peak_bound`), and a poll loop for futures that
//! complete without waiting (the layer over an in-memory store).

/// Runs `f` and panics (a finding) if it held more than `bound` bytes at once.
pub fn within<T>(what: &str, bound: usize, f: impl FnOnce() -> T) -> T {
    let mut f = Some(f);
    let mut out = None;
    let info = allocation_counter::measure(|| out = Some((f.take().unwrap())()));
    let peak = info.bytes_max as usize;
    assert!(peak <= bound, "{what}: peak allocation {peak} bytes > bound {bound}");
    out.unwrap()
}

/// Polls `fut` to completion; the futures given here never wait on anything.
pub fn ready<F: std::future::Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    for _ in 0..1000 {
        if let std::task::Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("a future over an in-memory store did not complete");
}
