//! `frontline serve`: the desk on its chat platforms, with the outbox dispatcher and the
//! scheduler running beside them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut p = Platforms {
        channels: Vec::new(),
        inbound: Vec::new(),
        health: crate::http::Health {
            store: app.store.clone(),
            kb: app.kb.clone(),
            telegram: None,
            discord: None,
            metrics: crate::http::metrics(),
        },
        shared_webhook: None,
        telegram_username: None,
        shard_manager: None,
        stop: stop_rx.clone(),
    };
    if let Some(token) = &tg.token {
        start_telegram(app, &engine, token.expose(), &mut p).await?;
    }
    if let Some(token) = &dc.token {
        start_discord(app, &engine, token.expose(), &mut p).await?;
    }
    if let Some(web) = crate::web::start(app, p.telegram_username.take()).await? {
        p.inbound.push(Box::pin(crate::web::serve(
            web.listener,
            web.site,
            stop_rx.clone(),
        )));
    }
    if let Some(listen) = &app.config.http.listen {
        let mut router = crate::http::router(Arc::new(p.health));
        if let Some(hook) = p.shared_webhook.take() {
            router = router.merge(hook);
        }
        p.inbound
            .push(Box::pin(serve_http(listen, router, stop_rx.clone())));
    } else if p.shared_webhook.is_some() {
        bail!("telegram.webhook_url needs telegram.webhook_listen or [http] listen");
    }
    let kinds: Vec<_> = p.channels.iter().map(|c| c.kind()).collect();
    let dispatcher = Dispatcher::new(app.store.clone(), app.engine.clock().clone(), p.channels)
        .with_holder(instance_name(app));
    tracing::info!(holder = dispatcher.holder(), "outbox dispatcher starting");
    let ready = app.engine.outbox_ready();
    let dispatcher_stop = Arc::new(Notify::new());
    let sending = dispatcher.run(ready, dispatcher_stop.clone(), OUTBOX_POLL);
    let mut taking = futures_util::future::try_join_all(p.inbound);
    tokio::pin!(sending);
    tokio::select! {
        () = &mut sending => return Ok(()),
        () = app.engine.run_scheduler(SCHEDULER_EVERY) => return Ok(()),
        () = app.engine.run_announcer(kinds) => return Ok(()),
        r = &mut taking => return r.map(|_| ()),
        () = shutdown_signal() => {}
    }
    // Stop taking updates (the one being handled is finished), then let the sends in
    // flight end and give the outbox's chats back; all within the grace period.
    let _ = stop_tx.send(true);
    stop_in_order(
        p.shard_manager.as_ref(),
        &mut taking,
        &mut sending,
        &dispatcher_stop,
    )
    .await;
    Ok(())
}

/// What the platforms started: their outbox channels, their update loops, health, and the
/// handles a stop needs.
struct Platforms<'a> {
    channels: Vec<Arc<dyn Channel>>,
    inbound: Vec<BoxFuture<'a, anyhow::Result<()>>>,
    health: crate::http::Health,
    /// The Telegram webhook, when it shares the operator's endpoint (no address of its own).
    shared_webhook: Option<axum::Router>,
    /// The bot's username, for the help centre's deep links.
    telegram_username: Option<String>,
    shard_manager: Option<Arc<serenity::gateway::ShardManager>>,
    stop: tokio::sync::watch::Receiver<bool>,
}

/// Telegram: the command menus, the outbox channel, and long polling or the webhook.
async fn start_telegram<'a>(
    app: &'a App,
    engine: &Arc<frontline_core::Engine>,
    token: &str,
    p: &mut Platforms<'a>,
) -> anyhow::Result<()> {
    let tg = &app.config.telegram;
    let bot = telegram::bot(token, tg.api_url.as_deref())?;
    if app.config.web.enabled() && app.config.web.telegram_bot.is_none() {
        // The help centre's "Ask us" links need the bot's username.
        match tokio::time::timeout(
            Duration::from_secs(10),
            teloxide::requests::Requester::get_me(&bot).into_future(),
        )
        .await
        {
            Ok(Ok(me)) => p.telegram_username = me.user.username.clone(),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "getMe failed: the help centre links to no bot")
            }
            Err(_) => tracing::warn!("getMe took over 10 s: the help centre links to no bot"),
        }
    }
    if let Err(e) = telegram::register_commands(&bot, tg.agent_chat).await {
        // The menu is a convenience: the desk works without it.
        tracing::warn!(error = %e, "setMyCommands failed");
    }
    // `throttle = false` (for local fakes) sends without any pacing at all.
    let pacer = (tg.throttle != Some(false)).then(telegram::Pacer::new);
    p.channels.push(Arc::new(telegram::TelegramChannel::new(
        bot.clone(),
        app.store.clone(),
        tg.agent_chat.filter(|_| tg.topics),
        pacer,
    )));
    let connected = Arc::new(AtomicBool::new(false));
    p.health.telegram = Some(connected.clone());
    let engine = engine.clone();
    let stop = p.stop.clone();
    match &tg.webhook_url {
        None => p.inbound.push(Box::pin(async move {
            telegram::poll(engine, bot, connected, stop).await;
            Ok(())
        })),
        Some(url) => {
            let router = set_webhook(app, engine, bot, url).await?;
            connected.store(true, Ordering::SeqCst);
            match &tg.webhook_listen {
                Some(listen) => p.inbound.push(Box::pin(serve_http(listen, router, stop))),
                None => p.shared_webhook = Some(router),
            }
        }
    }
    Ok(())
}

/// Discord: the gateway client (its REST client also sends the outbox's messages), with a
/// thread per ticket in the staff channel and in every channel a route sends tickets to.
async fn start_discord<'a>(
    app: &'a App,
    engine: &Arc<frontline_core::Engine>,
    token: &str,
    p: &mut Platforms<'a>,
) -> anyhow::Result<()> {
    let dc = &app.config.discord;
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
        Some(s) => {
            Some(discord::Shards::parse(s).map_err(|e| anyhow::anyhow!("discord.shards: {e}"))?)
        }
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
        discord::http(token, dc.api_proxy.as_deref()),
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
    p.channels.push(Arc::new(discord::DiscordChannel::new(
        client.http.clone(),
        app.store.clone(),
        thread_channels,
        staff_users,
    )));
    p.health.discord = Some(client.shard_manager.clone());
    p.shard_manager = Some(client.shard_manager.clone());
    p.inbound
        .push(Box::pin(discord::run_gateway(client, shards)));
    Ok(())
}

/// The stop: no new updates (the one being handled is finished), the sends in flight end
/// and the outbox's chats go back, all within the grace periods.
async fn stop_in_order<T, S>(
    shard_manager: Option<&Arc<serenity::gateway::ShardManager>>,
    mut taking: &mut T,
    mut sending: &mut std::pin::Pin<&mut S>,
    dispatcher_stop: &Notify,
) where
    T: std::future::Future + Unpin,
    S: std::future::Future<Output = ()>,
{
    let started = tokio::time::Instant::now();
    tracing::info!("stopping: no new updates; finishing what is in flight");
    if let Some(manager) = shard_manager {
        manager.shutdown_all().await;
    }
    // The dispatcher goes on meanwhile: the updates in hand may wait for the connection it
    // holds (SQLite has one), and what they queue is sent before it stops.
    let inbound_done = tokio::time::timeout_at(started + INBOUND_GRACE, &mut taking);
    tokio::pin!(inbound_done);
    tokio::select! {
        r = &mut inbound_done => {
            if r.is_err() {
                tracing::warn!("updates still in hand after the grace period");
            }
        }
        () = &mut sending => {
            tracing::warn!("the dispatcher ended before the updates in hand");
            return;
        }
    }
    dispatcher_stop.notify_one();
    if tokio::time::timeout_at(started + SHUTDOWN_GRACE, &mut sending)
        .await
        .is_err()
    {
        tracing::warn!("sends still in flight after the grace period; their rows stay queued");
    }
    tracing::info!(ms = started.elapsed().as_millis() as u64, "stopped");
}

/// How long a stop waits for the updates in hand, and for everything.
const INBOUND_GRACE: Duration = Duration::from_secs(5);
const SHUTDOWN_GRACE: Duration = Duration::from_secs(9);

/// Resolves on SIGTERM (a service manager's stop) or Ctrl-C.
async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "no SIGTERM handler");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}

/// Serves `router` on `listen` until `stop`, letting requests in progress finish.
async fn serve_http(
    listen: &str,
    router: axum::Router,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("listening on {listen}: {e}"))?;
    tracing::info!(%listen, "HTTP listening");
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|s| *s).await;
        })
        .await?;
    Ok(())
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

/// Webhook mode: tells Telegram the URL and secret; returns the endpoint's routes. Several
/// instances can sit behind one load balancer: each update is handled once, whichever
/// instance gets it (the engine recognises a redelivered update by its id).
async fn set_webhook(
    app: &App,
    engine: Arc<frontline_core::Engine>,
    bot: teloxide::Bot,
    url: &str,
) -> anyhow::Result<axum::Router> {
    use teloxide::payloads::SetWebhookSetters;
    use teloxide::prelude::Requester;
    let tg = &app.config.telegram;
    let Some(secret) = &tg.webhook_secret else {
        bail!("telegram.webhook_url needs telegram.webhook_secret");
    };
    let parsed: url::Url = url.parse()?;
    bot.set_webhook(parsed.clone())
        .secret_token(secret.expose().to_string())
        .await?;
    Ok(telegram::webhook_router(
        engine,
        bot,
        parsed.path(),
        secret.expose().to_string(),
    ))
}
