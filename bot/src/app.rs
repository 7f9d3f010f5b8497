//! Starting the desk: the store, the knowledge base in the data dir, the engine.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use frontline_core::TicketKind;
use frontline_core::domain::Line;
use frontline_core::engine::Route;
use frontline_core::{
    ChannelKind, ChatRef, Clock, Engine, EngineConfig, Role, Staff, StaffMember, Store,
};
use frontline_kb::KnowledgeBase;

use crate::config::Config;

/// The staff of the configuration, by their identity on each channel.
pub fn staff_of(config: &Config) -> Staff {
    let mut staff = Staff::default();
    for s in &config.staff {
        let member = StaffMember {
            name: s.name.clone(),
            role: match s.role {
                crate::config::Role::Agent => Role::Agent,
                crate::config::Role::Admin => Role::Admin,
            },
            lines: s
                .lines
                .iter()
                .filter_map(|&l| Line::new(i64::from(l)).ok())
                .collect(),
        };
        if let Some(id) = &s.console {
            staff.add(ChannelKind::Console, id.clone(), member.clone());
        }
        if let Some(id) = s.telegram {
            staff.add(ChannelKind::Telegram, id.to_string(), member.clone());
        }
        if let Some(id) = &s.discord {
            staff.add(ChannelKind::Discord, id.clone(), member.clone());
        }
        if let Some(role) = &s.discord_role {
            staff.add_role(ChannelKind::Discord, role.clone(), member);
        }
    }
    staff
}

/// The routing rules of the configuration (already validated by `Config::problems`).
pub fn routes_of(config: &Config) -> Vec<Route> {
    config
        .routes
        .iter()
        .filter_map(|r| {
            let mut chats = Vec::new();
            if let Some(c) = &r.console {
                chats.push(ChatRef::new(ChannelKind::Console, c.clone()));
            }
            if let Some(c) = r.telegram {
                chats.push(ChatRef::new(ChannelKind::Telegram, c.to_string()));
            }
            if let Some(c) = &r.discord {
                chats.push(ChatRef::new(ChannelKind::Discord, c.clone()));
            }
            Some(Route {
                line: Line::new(i64::from(r.line)).ok()?,
                kinds: r
                    .kinds
                    .iter()
                    .filter_map(|k| TicketKind::from_code(k))
                    .collect(),
                langs: r
                    .langs
                    .iter()
                    .filter_map(|l| frontline_core::Lang::parse(l).ok())
                    .collect(),
                categories: r.categories.clone(),
                orgs: r
                    .orgs
                    .iter()
                    .filter_map(|o| frontline_core::org::OrgKey::parse(o).ok())
                    .collect(),
                chats,
            })
        })
        .collect()
}

/// A running desk's shared parts.
pub struct App {
    pub config: Config,
    pub store: Store,
    pub kb: Arc<KnowledgeBase>,
    pub engine: Engine,
    pub data_dir: std::path::PathBuf,
}

impl App {
    /// Opens (creating on first start) the database and the knowledge base in `data_dir`.
    ///
    /// # Errors
    /// When the data dir, the database or the index cannot be opened.
    pub async fn start(
        config: Config,
        data_dir: &Path,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<App> {
        // The console's channels are the agents' when no platform is configured.
        let console = !config.has_bot_token();
        App::start_with(config, data_dir, clock, console).await
    }

    /// [`App::start`], saying whether the console's agent, line and supervisor channels take
    /// part (they do for `frontline console`, whatever else is configured).
    ///
    /// # Errors
    /// When the data dir, the database or the index cannot be opened.
    pub async fn start_with(
        config: Config,
        data_dir: &Path,
        clock: Arc<dyn Clock>,
        console: bool,
    ) -> anyhow::Result<App> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("creating the data dir {}", data_dir.display()))?;
        let url = config.database_url(data_dir);
        let store = Store::connect(&url).await.context("opening the database")?;
        let dir = data_dir.to_path_buf();
        // Opening the index writes files: off the async threads.
        let kb = tokio::task::spawn_blocking(move || crate::kb_cmd::open_index(&dir))
            .await
            .context("index task")??;
        let kb = Arc::new(kb);
        let mut agent_chats = Vec::new();
        if console {
            agent_chats.push(ChatRef::new(
                ChannelKind::Console,
                config.console.agent_channel.clone(),
            ));
        }
        if let Some(chat) = config.telegram.agent_chat {
            agent_chats.push(ChatRef::new(ChannelKind::Telegram, chat.to_string()));
        }
        if let Some(chat) = &config.discord.agent_channel {
            agent_chats.push(ChatRef::new(ChannelKind::Discord, chat.clone()));
        }
        let engine = Engine::new(
            store.clone(),
            kb.clone(),
            clock,
            EngineConfig {
                agent_chats,
                default_lang: config.default_lang(),
                limits: config.limits(),
                retention: config.retention(),
                staff: staff_of(&config),
                routes: routes_of(&config),
                rotas: config.rotas()?,
                sla: config
                    .sla
                    .build(
                        config
                            .supervisor_chats()
                            .into_iter()
                            .filter(|c| console || c.channel != ChannelKind::Console)
                            .collect(),
                        &config.orgs,
                    )
                    .map_err(|problems| {
                        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
                        anyhow::anyhow!(
                            "the [sla] configuration has problems:\n  {}",
                            list.join("\n  ")
                        )
                    })?,
                line_chats: if console {
                    vec![
                        (
                            Line::new(3)?,
                            ChatRef::new(
                                ChannelKind::Console,
                                config.console.line3_channel.clone(),
                            ),
                        ),
                        (
                            Line::new(4)?,
                            ChatRef::new(
                                ChannelKind::Console,
                                config.console.line4_channel.clone(),
                            ),
                        ),
                    ]
                } else {
                    // Without the console, escalated tickets stay in the agents' chats
                    // (routes can send lines 3 and 4 elsewhere).
                    Vec::new()
                },
            },
        );
        // The articles live in the database; on first start the bundled sample becomes their
        // first versions. The index then catches up with the table (at once when it is current).
        let mut conn = store.pool().acquire().await?;
        // The configuration's organisations are its to say: put in step at every start.
        Store::orgs_from_config(&mut conn, &config.org_list(), engine.clock().now_ms()).await?;
        let seeded = Store::articles_seq(&mut conn).await? > 0;
        drop(conn);
        if seeded {
            engine
                .sync_kb()
                .await
                .context("updating the search index")?;
        } else if config.kb.sample != Some(false) {
            // A desk with no articles of its own gets the demo; its first import retires it.
            let sample = frontline_kb::sample::articles();
            engine
                .import_articles(&sample.articles, frontline_core::kb_sync::SAMPLE_AUTHOR)
                .await
                .context("loading the sample articles")?;
        }
        Ok(App {
            data_dir: data_dir.to_path_buf(),
            config,
            store,
            kb,
            engine,
        })
    }
}
