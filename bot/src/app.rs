//! Starting the desk: the store, the knowledge base in the data dir, the engine.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use frontline_core::{ChannelKind, ChatRef, Clock, Engine, EngineConfig, Store};
use frontline_kb::KnowledgeBase;

use crate::config::Config;

/// A running desk's shared parts.
pub struct App {
    pub config: Config,
    pub store: Store,
    pub kb: Arc<KnowledgeBase>,
    pub engine: Engine,
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
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("creating the data dir {}", data_dir.display()))?;
        let url = config.database_url(data_dir);
        let store = Store::connect(&url).await.context("opening the database")?;
        let dir = data_dir.to_path_buf();
        // Opening and (on first start) building the index writes files: off the async threads.
        let kb = tokio::task::spawn_blocking(move || crate::kb_cmd::open_index(&dir))
            .await
            .context("index task")??;
        let kb = Arc::new(kb);
        let mut agent_chats = vec![ChatRef::new(
            ChannelKind::Console,
            config.console.agent_channel.clone(),
        )];
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
            },
        );
        Ok(App {
            config,
            store,
            kb,
            engine,
        })
    }
}
