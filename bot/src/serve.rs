//! `frontline serve`: the desk on its chat platforms, with the outbox dispatcher and the
//! scheduler running beside them.

use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use frontline_core::{Channel, Dispatcher};
use tokio::sync::Notify;

use futures_util::future::BoxFuture;

use crate::app::App;
use crate::{discord, telegram};

/// How often the dispatcher looks for due messages when nothing woke it (retries, 429 waits).
const OUTBOX_POLL: Duration = Duration::from_millis(500);
/// How often the scheduler looks for due SLA timers.
const SCHEDULER_EVERY: Duration = Duration::from_secs(30);

/// Runs every configured platform (Telegram, Discord, or both on one engine) until one of
/// its loops ends (they do not, short of a panic or a refused gateway) or the process is
/// stopped.
///
/// # Errors
/// When no platform is configured, or a platform client cannot be built.
pub async fn run(app: &App) -> anyhow::Result<()> {
    let tg = &app.config.telegram;
    let dc = &app.config.discord;
    if tg.token.is_none() && dc.token.is_none() {
        bail!(
            "no chat platform is configured: set [telegram] token or [discord] token \
             (or FRONTLINE_TELEGRAM_TOKEN / FRONTLINE_DISCORD_TOKEN); without one, `frontline` \
             runs the console"
        );
    }
    let engine = Arc::new(app.engine.clone());
    let mut channels: Vec<Arc<dyn Channel>> = Vec::new();
    let mut inbound: Vec<BoxFuture<'_, anyhow::Result<()>>> = Vec::new();
    if let Some(token) = &tg.token {
        let bot = telegram::bot(token.expose(), tg.api_url.as_deref())?;
        if let Err(e) = telegram::register_commands(&bot, tg.agent_chat).await {
            // The menu is a convenience: the desk works without it.
            tracing::warn!(error = %e, "setMyCommands failed");
        }
        // `throttle = false` (for local fakes) sends without any pacing at all.
        let pacer = (tg.throttle != Some(false)).then(telegram::Pacer::new);
        channels.push(Arc::new(telegram::TelegramChannel::new(
            bot.clone(),
            app.store.clone(),
            tg.agent_chat.filter(|_| tg.topics),
            pacer,
        )));
        let engine = engine.clone();
        inbound.push(Box::pin(async move {
            match &tg.webhook_url {
                None => {
                    telegram::poll(engine, bot).await;
                    Ok(())
                }
                Some(url) => webhook(app, engine, bot, url).await,
            }
        }));
    }
    if let Some(token) = &dc.token {
        let id = |s: &Option<String>| s.as_deref().and_then(|c| c.parse::<u64>().ok());
        let places = discord::Places {
            staff: id(&dc.agent_channel),
            support: id(&dc.support_channel),
            routed: app
                .config
                .routes
                .iter()
                .filter_map(|r| id(&r.discord))
                .collect(),
        };
        let shards = match &dc.shards {
            Some(s) => Some(
                discord::Shards::parse(s).map_err(|e| anyhow::anyhow!("discord.shards: {e}"))?,
            ),
            None => None,
        };
        let staff_users = app
            .config
            .staff
            .iter()
            .filter_map(|s| id(&s.discord))
            .collect();
        let client = discord::client(
            engine.clone(),
            discord::http(token.expose(), dc.api_proxy.as_deref()),
            places.clone(),
        )
        .await?;
        // Tickets get a thread in the staff channel and in every channel a route sends them to.
        let thread_channels = places
            .staff
            .into_iter()
            .chain(places.routed.iter().copied())
            .collect();
        // The outbox sends with the gateway client's REST client: one rate limiter per bot.
        channels.push(Arc::new(discord::DiscordChannel::new(
            client.http.clone(),
            app.store.clone(),
            thread_channels,
            staff_users,
        )));
        inbound.push(Box::pin(discord::run_gateway(client, shards)));
    }
    let dispatcher = Dispatcher::new(app.store.clone(), app.engine.clock().clone(), channels)
        .with_holder(instance_name(app));
    tracing::info!(holder = dispatcher.holder(), "outbox dispatcher starting");
    let ready = app.engine.outbox_ready();
    let stop = Arc::new(Notify::new());
    tokio::select! {
        () = dispatcher.run(ready, stop, OUTBOX_POLL) => Ok(()),
        () = app.engine.run_scheduler(SCHEDULER_EVERY) => Ok(()),
        (r, _, _) = futures_util::future::select_all(inbound) => r,
        _ = tokio::signal::ctrl_c() => {
            tracing::info!("stopping");
            Ok(())
        }
    }
}

/// This instance's name in the outbox's leases: the same across restarts (a restarted
/// process takes its own chats back at once), different between instances running at the
/// same time — `FRONTLINE_INSTANCE` when set, else the host, the data directory, and what
/// only one process can have at a time (the webhook's address, the Discord shards).
fn instance_name(app: &App) -> String {
    if let Ok(name) = std::env::var("FRONTLINE_INSTANCE")
        && !name.trim().is_empty()
    {
        return name.trim().to_string();
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "host".into());
    let mut name = format!("{}:{}", host.trim(), app.data_dir.display());
    if let Some(listen) = &app.config.telegram.webhook_listen {
        name.push_str(&format!(":tg={listen}"));
    }
    if let Some(shards) = &app.config.discord.shards {
        name.push_str(&format!(":dc={shards}"));
    }
    name
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
