//! Where verifications run: off the async workers, on blocking threads, in two lanes by input
//! size, each stopped at its next canonicalisation once its request is dropped (deadline or
//! disconnect).

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use cairn_verifier::{Interrupt, VerifyOptions};

use super::{options_now, problem, Shared};

/// The slots verifications take. At most two per CPU for small inputs (so one waiting on a slow
/// fetch of a DID document or status list does not idle a core) and one per CPU for large ones;
/// the rest wait for a slot, within their deadline. That bounds the memory they hold
/// (BENCHMARKS, "Deadlines and load").
#[derive(Debug)]
pub(crate) struct Lanes {
    /// Verifications of small inputs (every ordinary credential) that may run at once.
    light: Arc<tokio::sync::Semaphore>,
    /// Verifications of larger inputs (baked images, batches, the largest documents), apart from
    /// the small ones so that they never keep those waiting.
    heavy: Arc<tokio::sync::Semaphore>,
    /// How many verifications are running now.
    pub(crate) running: Arc<AtomicUsize>,
}

impl Lanes {
    pub(crate) fn new() -> Self {
        Lanes {
            light: Arc::new(tokio::sync::Semaphore::new(2 * cpus())),
            heavy: Arc::new(tokio::sync::Semaphore::new(cpus())),
            running: Arc::new(AtomicUsize::new(0)),
        }
    }
}

/// The CPUs this process may use.
fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// The largest input verified in the light lane. An ordinary credential is a few kilobytes; a
/// document this small holds at most a few thousand JSON objects, so its canonicalisation costs
/// a fraction of the work budget. Anything larger (up to the 1 MiB credential limit, baked
/// images, batches) waits for the heavy lane.
const LIGHT_INPUT_BYTES: usize = 64 * 1024;

/// Counts a running verification for as long as it lives.
struct Running(Arc<AtomicUsize>);

impl Running {
    fn enter(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Running(Arc::clone(count))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Raises the interrupt when the request that owns it is dropped: its deadline passed (the
/// timeout layer answered 408) or its client went away.
struct RaiseOnDrop(Interrupt);

impl Drop for RaiseOnDrop {
    fn drop(&mut self) {
        self.0.raise();
    }
}

/// Runs a verification off the async workers, so that `/healthz` and every other request stay
/// answerable while the worst inputs are checked: on a blocking thread, once a slot of its lane
/// (chosen by `input_bytes`) is free, with options judged now that stop the work at its next
/// canonicalisation once the request is dropped (deadline or disconnect). Each canonicalisation
/// is held to the library's work budget, so an abandoned verification ends within one of them.
pub(crate) async fn off_workers<F>(
    state: &Shared,
    input_bytes: usize,
    work: impl FnOnce(Shared, VerifyOptions) -> F + Send + 'static,
) -> Response
where
    F: Future<Output = Response>,
{
    let lane = if input_bytes <= LIGHT_INPUT_BYTES {
        &state.lanes.light
    } else {
        &state.lanes.heavy
    };
    let Ok(permit) = Arc::clone(lane).acquire_owned().await else {
        return internal_error();
    };
    let interrupt = Interrupt::new();
    let _raise = RaiseOnDrop(interrupt.clone());
    let options = options_now(state).interruptible(&interrupt);
    let runtime = tokio::runtime::Handle::current();
    let state = Arc::clone(state);
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let _running = Running::enter(&state.lanes.running);
        runtime.block_on(work(Arc::clone(&state), options))
    })
    .await
    .unwrap_or_else(|_| internal_error())
}

/// 500 for a verification that panicked (a bug: the library turns bad input into reports).
fn internal_error() -> Response {
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        "the verification failed unexpectedly",
    )
}
