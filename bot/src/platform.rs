//! What the chat adapters share, each platform supplying only its calls: a ticket's thread
//! in the agents' channel (opened on first use, closed with its ticket, reopened with it),
//! an admin's article file (size checked before it is downloaded, then decoded), and the
//! names of the media people send. The command menus are built from core's command table
//! (`frontline_core::commands`) by each adapter's `register_commands`.

use async_trait::async_trait;

use frontline_core::engine::TicketThread;
use frontline_core::{ChannelKind, Payload, SendError, Store};

/// A platform's calls for a ticket's thread (a Telegram forum topic, a Discord thread), by
/// the platform's ids as text.
#[async_trait]
pub trait ThreadCalls: Sync {
    const CHANNEL: ChannelKind;
    /// The longest thread name the platform takes, in characters.
    const MAX_NAME: usize;

    /// Creates a thread named `name` in `chat`; returns its id.
    async fn create(&self, chat: &str, name: &str) -> Result<String, SendError>;
    async fn reopen(&self, chat: &str, thread: &str) -> Result<(), SendError>;
    async fn close(&self, chat: &str, thread: &str) -> Result<(), SendError>;
}

/// The thread of `about` in `chat`: the recorded one, reopened if it was closed and the
/// ticket is open again; else a new one (`#N subject`), recorded.
///
/// # Errors
/// The platform's refusal, or the database's.
pub async fn thread_for<C: ThreadCalls>(
    calls: &C,
    store: &Store,
    chat: &str,
    about: &TicketThread,
) -> Result<String, SendError> {
    if let Some(known) = store.chat_thread(C::CHANNEL, chat, about.ticket).await? {
        if known.closed && about.open {
            calls.reopen(chat, &known.thread).await?;
            store
                .set_chat_thread_closed(C::CHANNEL, chat, about.ticket, false)
                .await?;
        }
        return Ok(known.thread);
    }
    let name: String = about.title.chars().take(C::MAX_NAME).collect();
    let thread = calls.create(chat, &name).await?;
    store
        .add_chat_thread(C::CHANNEL, chat, about.ticket, &thread)
        .await?;
    Ok(thread)
}

/// After a message about a closed ticket went into its thread: the thread closes too (until
/// the ticket reopens). Nothing for an open ticket.
///
/// # Errors
/// The platform's refusal, or the database's.
pub async fn close_if_done<C: ThreadCalls>(
    calls: &C,
    store: &Store,
    chat: &str,
    about: &TicketThread,
    thread: &str,
) -> Result<(), SendError> {
    if about.open {
        return Ok(());
    }
    calls.close(chat, thread).await?;
    store
        .set_chat_thread_closed(C::CHANNEL, chat, about.ticket, true)
        .await?;
    Ok(())
}

/// Largest file read as an article.
pub const MAX_ARTICLE_BYTES: u32 = 512 * 1024;

/// An admin's article file: refused before any download when larger than
/// [`MAX_ARTICLE_BYTES`], then fetched with the platform's `download` and decoded as UTF-8.
///
/// # Errors
/// Too large, the download failed, or the bytes are not UTF-8.
pub async fn article_file<F>(size: u32, download: F) -> anyhow::Result<String>
where
    F: std::future::Future<Output = anyhow::Result<Vec<u8>>>,
{
    if size > MAX_ARTICLE_BYTES {
        anyhow::bail!("the file is {size} bytes; articles are at most {MAX_ARTICLE_BYTES}");
    }
    Ok(String::from_utf8(download.await?)?)
}

/// A `/kb` message with a file, as the engine takes it: the file's text with the caption;
/// `None` (logged) when the file could not be read, and the adapter passes the message on
/// as it would any other.
pub fn article_payload(
    name: String,
    caption: &str,
    text: anyhow::Result<String>,
) -> Option<Payload> {
    match text {
        Ok(text) => Some(Payload::File {
            name,
            text,
            caption: caption.to_string(),
        }),
        Err(e) => {
            tracing::warn!(error = %e, "a /kb file could not be read");
            None
        }
    }
}

/// Whether a message's caption asks for its file to be read as an article.
pub fn is_article_caption(caption: &str) -> bool {
    caption.trim_start().starts_with("/kb")
}

/// What kind of photo or file someone sent, as the thread names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Photo,
    Document,
    Video,
    Voice,
    VideoMessage,
    Audio,
    Animation,
}

impl MediaKind {
    /// The label in a thread: `📎 photo`.
    pub fn label(self) -> &'static str {
        match self {
            MediaKind::Photo => "photo",
            MediaKind::Document => "document",
            MediaKind::Video => "video",
            MediaKind::Voice => "voice message",
            MediaKind::VideoMessage => "video message",
            MediaKind::Audio => "audio",
            MediaKind::Animation => "animation",
        }
    }

    /// The kind of a file by its MIME type (a Discord attachment's).
    pub fn of_content_type(content_type: Option<&str>) -> MediaKind {
        match content_type {
            Some(t) if t.starts_with("image/") => MediaKind::Photo,
            Some(t) if t.starts_with("video/") => MediaKind::Video,
            Some(t) if t.starts_with("audio/") => MediaKind::Voice,
            _ => MediaKind::Document,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_kinds_by_content_type() {
        assert_eq!(
            MediaKind::of_content_type(Some("image/png")),
            MediaKind::Photo
        );
        assert_eq!(
            MediaKind::of_content_type(Some("audio/ogg")).label(),
            "voice message"
        );
        assert_eq!(MediaKind::of_content_type(None), MediaKind::Document);
    }

    #[tokio::test]
    async fn a_large_article_file_is_refused_before_it_is_downloaded() {
        let downloaded = std::sync::atomic::AtomicBool::new(false);
        let big = article_file(MAX_ARTICLE_BYTES + 1, async {
            downloaded.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(Vec::new())
        })
        .await;
        assert!(big.is_err());
        assert!(!downloaded.load(std::sync::atomic::Ordering::SeqCst));
        let bad = article_file(2, async { Ok(vec![0xff, 0xfe]) }).await;
        assert!(bad.is_err(), "not UTF-8");
        let ok = article_file(2, async { Ok(b"# A".to_vec()) }).await;
        assert_eq!(ok.ok().as_deref(), Some("# A"));
    }
}
