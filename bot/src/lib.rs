//! frontline-bot: the `frontline` binary's library — CLI, configuration and chat channels.
//!
//! # Layout
//! - [`cli`]: the clap command tree and dispatch; `anyhow` lives only here, at the edge.
//! - [`bench_cmd`]: `frontline bench …`: load benchmarks.
//! - [`kb_cmd`]: `frontline kb …`: search, eval and the synthetic-corpus benchmark.

pub mod bench_cmd;
pub mod cli;
pub mod kb_cmd;
