//! The operator's endpoint (`[http] listen`): `/healthz` (the process is up), `/readyz`
//! (the database answers, the index is open, every platform is connected; 503 otherwise)
//! and `/metrics` in the Prometheus text format.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use frontline_core::Store;
use frontline_kb::KnowledgeBase;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// What readiness looks at.
pub struct Health {
    pub store: Store,
    pub kb: Arc<KnowledgeBase>,
    /// Telegram: the last `getUpdates` succeeded, or the webhook is set.
    pub telegram: Option<Arc<AtomicBool>>,
    /// Discord: the gateway's shards.
    pub discord: Option<Arc<serenity::gateway::ShardManager>>,
    pub metrics: Option<PrometheusHandle>,
}

/// The process's metrics recorder, installed on first use (a second `serve` in the same
/// process, as in tests, shares it).
pub fn metrics() -> Option<PrometheusHandle> {
    static HANDLE: std::sync::OnceLock<Option<PrometheusHandle>> = std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            // Handling takes from a few hundred µs (a search) to seconds (a slow database).
            let buckets = [
                0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ];
            let built = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full("frontline_update_seconds".into()), &buckets)
                .and_then(|b| b.install_recorder());
            match built {
                Ok(handle) => Some(handle),
                Err(e) => {
                    tracing::warn!(error = %e, "no metrics recorder");
                    None
                }
            }
        })
        .clone()
}

/// The endpoint's routes.
pub fn router(health: Arc<Health>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .with_state(health)
}

async fn readyz(State(h): State<Arc<Health>>) -> Response {
    let mut ready = true;
    let mut lines = Vec::new();
    let db = tokio::time::timeout(
        Duration::from_secs(2),
        sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(h.store.pool()),
    )
    .await;
    match db {
        Ok(Ok(_)) => lines.push("database: ok".to_string()),
        Ok(Err(e)) => {
            ready = false;
            lines.push(format!("database: {e}"));
        }
        Err(_) => {
            ready = false;
            lines.push("database: no answer in 2 s".into());
        }
    }
    lines.push(format!("index: open, {} documents", h.kb.len()));
    if let Some(tg) = &h.telegram {
        let up = tg.load(Ordering::SeqCst);
        ready &= up;
        lines.push(format!(
            "telegram: {}",
            if up { "connected" } else { "not connected" }
        ));
    }
    if let Some(dc) = &h.discord {
        let runners = dc.runners.lock().await;
        let up = !runners.is_empty()
            && runners
                .values()
                .all(|r| r.stage == serenity::gateway::ConnectionStage::Connected);
        ready &= up;
        lines.push(format!(
            "discord: {} of {} shards connected",
            runners
                .values()
                .filter(|r| r.stage == serenity::gateway::ConnectionStage::Connected)
                .count(),
            runners.len()
        ));
    }
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, lines.join("\n") + "\n").into_response()
}

async fn metrics_text(State(h): State<Arc<Health>>) -> Response {
    let Some(handle) = &h.metrics else {
        return (StatusCode::NOT_FOUND, "metrics are off\n").into_response();
    };
    // The outbox's state is read when asked for, not kept up to date on every send.
    match h.store.outbox_depth().await {
        Ok((depth, oldest)) => {
            metrics::gauge!("frontline_outbox_depth").set(depth as f64);
            let age = oldest.map_or(0.0, |at| {
                (chrono::Utc::now().timestamp_millis() - at).max(0) as f64 / 1000.0
            });
            metrics::gauge!("frontline_outbox_oldest_seconds").set(age);
        }
        Err(e) => tracing::warn!(error = %e, "outbox depth unavailable"),
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}
