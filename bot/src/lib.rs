//! frontline-bot: the `frontline` binary's library — CLI, configuration and chat channels.
//!
//! # Layout
//! - [`cli`]: the clap command tree and dispatch; `anyhow` lives only here, at the edge.
//! - [`config`]: `frontline.toml`, environment overrides, secrets, `config check`.
//! - [`app`]: starting the desk (store, knowledge base, engine) from the configuration.
//! - [`console`]: the console channel.
//! - [`kb_cmd`]: `frontline kb …`: search, eval, import.
//! - [`report_cmd`]: `frontline report …`.
//! - [`ops_cmd`]: `frontline backup`, `frontline person show|forget`.
//! - [`http`]: the operator's endpoint: `/healthz`, `/readyz`, `/metrics`.
//! - [`telegram`], [`discord`]: the chat platforms' adapters; [`text`]: splitting long text.
//! - [`bench_cmd`], [`bench_engine`], [`bench_discord`], [`bench_telegram`]: `frontline
//!   bench …`: load benchmarks (the last end to end through teloxide against a fake Bot API).

pub mod app;
pub mod bench_cmd;
pub mod bench_discord;
pub mod bench_engine;
pub mod bench_telegram;
pub mod bench_web;
pub mod cli;
pub mod config;
pub mod console;
pub mod discord;
pub mod http;
pub mod kb_cmd;
pub mod ops_cmd;
pub mod platform;
pub mod report_cmd;
pub mod serve;
pub mod telegram;
pub mod text;
pub mod web;
