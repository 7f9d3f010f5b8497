//! `frontline serve`: the desk on its chat platforms, with the outbox dispatcher and the
//! scheduler running beside them.

use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use frontline_core::{Channel, Dispatcher};
use tokio::sync::Notify;

use crate::app::App;
use crate::telegram;

/// How often the dispatcher looks for due messages when nothing woke it (retries, 429 waits).
const OUTBOX_POLL: Duration = Duration::from_millis(500);
/// How often the scheduler looks for due SLA timers.
const SCHEDULER_EVERY: Duration = Duration::from_secs(30);

/// Runs every configured platform until one of its loops ends (they do not, short of a
/// panic) or the process is stopped.
///
/// # Errors
/// When no platform is configured, or a platform client cannot be built.
pub async fn run(app: &App) -> anyhow::Result<()> {
    let Some(token) = app.config.telegram.token.as_ref() else {
        bail!(
            "no chat platform is configured: set [telegram] token (or FRONTLINE_TELEGRAM_TOKEN); \
             without one, `frontline` runs the console"
        );
    };
    let bot = telegram::bot(token.expose(), app.config.telegram.api_url.as_deref())?;
    run_telegram(app, bot).await
}

/// The Telegram side of [`run`], with a bot already built (tests point it at a fake server).
///
/// # Errors
/// Never in practice: the loops run until the task is dropped.
pub async fn run_telegram(app: &App, bot: teloxide::Bot) -> anyhow::Result<()> {
    if let Err(e) = telegram::register_commands(&bot, app.config.telegram.agent_chat).await {
        // The menu is a convenience: the desk works without it.
        tracing::warn!(error = %e, "setMyCommands failed");
    }
    let relaxed = app.config.telegram.throttle == Some(false);
    let channels: Vec<Arc<dyn Channel>> = vec![Arc::new(telegram::TelegramChannel::new(
        telegram::paced(bot.clone(), relaxed),
        app.store.clone(),
        app.config
            .telegram
            .agent_chat
            .filter(|_| app.config.telegram.topics),
    ))];
    let dispatcher = Dispatcher::new(app.store.clone(), app.engine.clock().clone(), channels);
    let engine = Arc::new(app.engine.clone());
    let ready = app.engine.outbox_ready();
    let stop = Arc::new(Notify::new());
    let inbound = async {
        match &app.config.telegram.webhook_url {
            None => {
                telegram::poll(engine, bot).await;
                Ok(())
            }
            Some(url) => webhook(app, engine, bot, url).await,
        }
    };
    tokio::select! {
        () = dispatcher.run(ready, stop, OUTBOX_POLL) => Ok(()),
        () = app.engine.run_scheduler(SCHEDULER_EVERY) => Ok(()),
        r = inbound => r,
        _ = tokio::signal::ctrl_c() => {
            tracing::info!("stopping");
            Ok(())
        }
    }
}

/// Webhook mode: tells Telegram the URL and secret, then serves the endpoint. Several
/// instances can sit behind one load balancer: each update is handled once, whichever
/// instance gets it (the engine recognises a redelivered update by its id).
async fn webhook(
    app: &App,
    engine: Arc<frontline_core::Engine>,
    bot: teloxide::Bot,
    url: &str,
) -> anyhow::Result<()> {
    use teloxide::payloads::SetWebhookSetters;
    use teloxide::prelude::Requester;
    let tg = &app.config.telegram;
    let (Some(secret), Some(listen)) = (&tg.webhook_secret, &tg.webhook_listen) else {
        bail!("telegram.webhook_url needs telegram.webhook_secret and telegram.webhook_listen");
    };
    let parsed: url::Url = url.parse()?;
    bot.set_webhook(parsed.clone())
        .secret_token(secret.expose().to_string())
        .await?;
    let router = telegram::webhook_router(engine, bot, parsed.path(), secret.expose().to_string());
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!(%listen, "Telegram webhook listening");
    axum::serve(listener, router).await?;
    Ok(())
}
