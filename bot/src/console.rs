//! The console channel: the desk in a terminal, and a scripting tool.
//!
//! Each input line is `NAME: text`, said by NAME (`NAME #N: text`: said in ticket N's thread,
//! where staff may leave out the ticket number and plain text is a reply). Every message sent prints as
//! `→ NAME: text` (to an agents' channel, `→ #CHANNEL: text`), continuation lines indented and
//! buttons as numbered choices; `NAME: 2` presses choice 2 of the last message sent to NAME.
//! A line ending in `\` continues on the next line (for multi-line messages such as
//! `/kb add`); `NAME: file:PATH caption` sends the text file at PATH with the caption, as a
//! chat upload would. Attached files are written to the data dir's `files/` folder.
//! With stdin not a terminal it runs the script to its end and exits; in a terminal it is a
//! REPL with a prompt.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use frontline_core::{
    Button, Channel, ChannelKind, ChatRef, Dispatcher, Inbound, Outbound, Payload, SendError,
    TicketId, UserRef,
};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use crate::app::App;

/// Prints messages and remembers each person's last buttons.
pub struct ConsoleChannel {
    out: Mutex<Box<dyn Write + Send>>,
    buttons: Mutex<HashMap<String, Vec<Button>>>,
    /// Where attached files are written.
    files: PathBuf,
}

impl ConsoleChannel {
    pub fn new(out: Box<dyn Write + Send>, files: PathBuf) -> Self {
        ConsoleChannel {
            out: Mutex::new(out),
            buttons: Mutex::new(HashMap::new()),
            files,
        }
    }

    /// The data of choice `n` (from 1) of the last message with buttons sent to `name`.
    fn choice(&self, name: &str, n: usize) -> Option<String> {
        let buttons = self.buttons.lock().unwrap_or_else(|p| p.into_inner());
        buttons
            .get(name)?
            .get(n.checked_sub(1)?)
            .map(|b| b.data.clone())
    }
}

/// How a message looks in the console.
pub fn render(message: &Outbound) -> String {
    if let Some(r) = &message.reaction {
        return format!("→ {}: {} on “{}”\n", message.to.chat, r.emoji, r.message);
    }
    let mut lines = message.text.lines();
    let first = lines.next().unwrap_or("");
    let mut s = format!("→ {}: {first}\n", message.to.chat);
    for line in lines {
        if line.is_empty() {
            s.push('\n');
        } else {
            s.push_str(&format!("  {line}\n"));
        }
    }
    for (i, b) in message.buttons.iter().enumerate() {
        s.push_str(&format!("  [{}] {}\n", i + 1, b.label));
    }
    s
}

#[async_trait]
impl Channel for ConsoleChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Console
    }

    async fn send(&self, message: &Outbound) -> Result<(), SendError> {
        if !message.buttons.is_empty() {
            self.buttons
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(message.to.chat.clone(), message.buttons.clone());
        }
        let mut shown = render(message);
        if let Some(file) = &message.attachment {
            let retry = |e: std::io::Error| SendError::Retry {
                after_ms: None,
                reason: format!("writing an attachment failed: {e}"),
            };
            std::fs::create_dir_all(&self.files).map_err(retry)?;
            // Only the file name's last part: a name must not write outside the folder.
            let name = std::path::Path::new(&file.name).file_name().map_or_else(
                || "attachment.txt".into(),
                |n| n.to_string_lossy().to_string(),
            );
            let path = self.files.join(name);
            std::fs::write(&path, &file.text).map_err(retry)?;
            shown.push_str(&format!(
                "  📎 {} ({} bytes): {}\n",
                file.name,
                file.text.len(),
                path.display()
            ));
        }
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        out.write_all(shown.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| SendError::Retry {
                after_ms: None,
                reason: format!("console write failed: {e}"),
            })
    }
}

/// Who is staff in this console session (agent commands arrive with line 2), and the
/// simulated clock, if any.
#[derive(Debug, Clone, Default)]
pub struct ConsoleOptions {
    pub agents: Vec<String>,
    pub admins: Vec<String>,
    /// The simulated clock's start (local time of the desk); `None` runs on real time.
    pub clock: Option<chrono::NaiveDateTime>,
    /// The simulated clock itself (shared with the engine when `clock` is set).
    pub manual: frontline_core::ManualClock,
}

/// A `!` line: moves the simulated clock.
#[derive(Debug, PartialEq, Eq)]
enum ClockLine {
    /// Forward by this many milliseconds of wall time.
    Wait(i64),
    /// To this local time.
    At(chrono::NaiveDateTime),
}

fn parse_clock_line(text: &str) -> Option<Result<ClockLine, String>> {
    let rest = text.trim().strip_prefix('!')?;
    let (word, arg) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    Some(match word {
        "wait" => frontline_core::calendar::parse_duration(arg, 24 * 60)
            .map(|m| ClockLine::Wait(m * 60_000))
            .map_err(|e| e.to_string()),
        "at" => crate::cli::parse_local(arg).map(ClockLine::At),
        _ => Err(format!(
            "unknown `!{word}`: use !wait 2d, !wait 3h or !at YYYY-MM-DDTHH:MM"
        )),
    })
}

/// One parsed input line.
#[derive(Debug, PartialEq, Eq)]
enum Line<'a> {
    /// `NAME: text`, or `NAME #N: text` for text written in ticket N's thread.
    Say {
        name: &'a str,
        thread: Option<i64>,
        text: &'a str,
    },
    Skip,
    Bad,
}

fn parse_line(line: &str) -> Line<'_> {
    let t = line.trim();
    if t.is_empty() || t.starts_with('#') {
        return Line::Skip;
    }
    let Some((who, text)) = t.split_once(':') else {
        return Line::Bad;
    };
    let mut words = who.split_whitespace();
    let (Some(name), thread, None) = (words.next(), words.next(), words.next()) else {
        return Line::Bad;
    };
    let thread = match thread {
        None => None,
        Some(n) => match n.strip_prefix('#').and_then(|n| n.parse::<i64>().ok()) {
            Some(n) if n > 0 => Some(n),
            _ => return Line::Bad,
        },
    };
    Line::Say {
        name,
        thread,
        text: text.trim(),
    }
}

/// The scheduler's rounds every 30 s, each followed by sending what they queued (the
/// console has no dispatcher loop of its own: it sends after each line).
fn background(app: &App, channel: Arc<ConsoleChannel>) -> tokio::task::JoinHandle<()> {
    let engine = app.engine.clone();
    let store = app.store.clone();
    tokio::spawn(async move {
        let dispatcher = Dispatcher::new(store, engine.clock().clone(), vec![channel]);
        let mut every = tokio::time::interval(std::time::Duration::from_secs(30));
        loop {
            every.tick().await;
            engine.scheduler_round().await;
            if let Err(e) = engine.announce_round(&[ChannelKind::Console]).await {
                tracing::error!(error = %e, "announcement round failed");
            }
            if let Err(e) = dispatcher.drain().await {
                tracing::error!(error = %e, "sending failed");
            }
        }
    })
}

/// Sends what is queued, and any announcement being sent to its end (the console has no
/// platform limits to wait for, so its pump runs round after round at once).
async fn deliver(app: &App, dispatcher: &Dispatcher) -> anyhow::Result<()> {
    dispatcher.drain().await?;
    while app.engine.announce_round(&[ChannelKind::Console]).await? {
        dispatcher.drain().await?;
    }
    dispatcher.drain().await?;
    Ok(())
}

/// Runs the console over `input` until it ends.
///
/// # Errors
/// Database failures; bad lines are reported and skipped.
pub async fn run(
    app: &App,
    options: &ConsoleOptions,
    input: impl AsyncBufRead + Unpin,
    interactive: bool,
) -> anyhow::Result<()> {
    let channel = Arc::new(ConsoleChannel::new(
        Box::new(std::io::stdout()),
        app.data_dir.join("files"),
    ));
    let dispatcher = Dispatcher::new(
        app.store.clone(),
        app.engine.clock().clone(),
        vec![channel.clone()],
    );
    // Messages left unsent by an earlier run go out first.
    dispatcher.drain().await?;
    // On real time, in a terminal, service levels run in the background too.
    let background =
        (interactive && options.clock.is_none()).then(|| background(app, channel.clone()));
    let nonce = app.engine.clock().now_ms();
    if interactive {
        println!(
            "Frontline console. Write `NAME: text` to speak as NAME; `NAME: 2` presses choice 2."
        );
        if !options.agents.is_empty() || !options.admins.is_empty() {
            println!(
                "Staff: {}",
                [options.agents.clone(), options.admins.clone()]
                    .concat()
                    .join(", ")
            );
        }
        println!("Ctrl-D quits.");
    }
    let mut lines = input.lines();
    let mut n = 0u64;
    loop {
        if interactive {
            print!("> ");
            std::io::stdout().flush()?;
        }
        let Some(mut line) = lines.next_line().await? else {
            break;
        };
        // `\` at the end of a line: the message goes on.
        while let Some(head) = line.strip_suffix('\\') {
            let head = head.to_string();
            match lines.next_line().await? {
                Some(next) => line = format!("{head}\n{next}"),
                None => {
                    line = head;
                    break;
                }
            }
        }
        if let Some(moved) = parse_clock_line(&line) {
            let to = match (moved, options.clock.is_some()) {
                (Err(e), _) => {
                    eprintln!("! {e}");
                    continue;
                }
                (Ok(_), false) => {
                    eprintln!("! the clock moves only with --clock");
                    continue;
                }
                (Ok(ClockLine::Wait(ms)), true) => app.engine.clock().now_ms() + ms,
                (Ok(ClockLine::At(local)), true) => {
                    app.engine.config().sla.calendar.at_local(local)
                }
            };
            let now = app.engine.clock().now_ms();
            if to < now {
                eprintln!("! the clock does not go back");
                continue;
            }
            options.manual.set(to);
            let cal = &app.engine.config().sla.calendar;
            println!("~ {}", cal.local(to).format("%a %Y-%m-%d %H:%M"));
            app.engine.tick().await?;
            dispatcher.drain().await?;
            continue;
        }
        let (name, thread, text) = match parse_line(&line) {
            Line::Skip => continue,
            Line::Bad => {
                eprintln!("! expected `NAME: text` or `NAME #TICKET: text`, got: {line}");
                continue;
            }
            Line::Say { name, thread, text } => (name, thread, text),
        };
        let thread = thread.and_then(|n| TicketId::parse(&n.to_string()).ok());
        n += 1;
        let payload = match text
            .parse::<usize>()
            .ok()
            .and_then(|k| channel.choice(name, k))
        {
            Some(data) => Payload::Button(data),
            None => match text.strip_prefix("file:") {
                Some(upload) => {
                    let (path, caption) = upload
                        .trim_start()
                        .split_once(char::is_whitespace)
                        .unwrap_or((upload.trim(), ""));
                    match std::fs::read(path).map(String::from_utf8) {
                        Ok(Ok(content)) => Payload::File {
                            name: std::path::Path::new(path)
                                .file_name()
                                .map_or_else(String::new, |n| n.to_string_lossy().to_string()),
                            text: content,
                            caption: caption.trim().to_string(),
                        },
                        Ok(Err(_)) => {
                            eprintln!("! {path} is not UTF-8 text; only text files can be sent");
                            continue;
                        }
                        Err(e) => {
                            eprintln!("! cannot read {path}: {e}");
                            continue;
                        }
                    }
                }
                None => Payload::Text(text.to_string()),
            },
        };
        let inbound = Inbound {
            update_id: format!("console-{nonce}-{n}"),
            from: UserRef {
                channel: ChannelKind::Console,
                id: name.to_string(),
                display: name.to_string(),
            },
            chat: ChatRef::new(ChannelKind::Console, name),
            private: true,
            lang_hint: None,
            roles: Vec::new(),
            // The person's message, as they wrote it: what a reaction is shown on.
            message: Some(text.chars().take(40).collect()),
            thread,
            payload,
        };
        app.engine.handle(inbound).await?;
        // Whatever came due in the meantime (on real time, a script takes no time at all).
        app.engine.tick().await?;
        deliver(app, &dispatcher).await?;
    }
    if let Some(task) = background {
        task.abort();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_name_colon_text() {
        let say = |name, thread, text| Line::Say { name, thread, text };
        assert_eq!(
            parse_line("alice: hello: there"),
            say("alice", None, "hello: there")
        );
        assert_eq!(parse_line("  bob:2 "), say("bob", None, "2"));
        assert_eq!(
            parse_line("anna #12: try again"),
            say("anna", Some(12), "try again")
        );
        assert_eq!(parse_line("# a comment"), Line::Skip);
        assert_eq!(parse_line(""), Line::Skip);
        assert_eq!(parse_line("no colon"), Line::Bad);
        assert_eq!(parse_line("two words: x"), Line::Bad);
        assert_eq!(parse_line("anna #x: hi"), Line::Bad);
    }

    #[test]
    fn messages_render_with_indented_lines_and_numbered_choices() {
        let m = Outbound {
            to: ChatRef::new(ChannelKind::Console, "#line2"),
            text: "first\nsecond\n\nfourth".into(),
            buttons: vec![Button {
                label: "Yes".into(),
                data: "y".into(),
            }],
            attachment: None,
            about: None,
            forward: None,
            delivery: None,
            reaction: None,
            bulk: false,
        };
        assert_eq!(
            render(&m),
            "→ #line2: first\n  second\n\n  fourth\n  [1] Yes\n"
        );
    }
}
