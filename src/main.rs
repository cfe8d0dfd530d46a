use clap::Parser;

/// mimalloc returns memory to the system after bursts and fragments less
/// than the system allocator under many small, short-lived allocations.
/// The `system-alloc` feature leaves the system allocator in place, for heap
/// profilers that watch malloc (valgrind's massif, heaptrack).
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    api::cli::run(api::cli::Cli::parse()).await
}
