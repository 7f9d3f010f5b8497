//! Configuration: `frontline.toml` (path by `--config`), then environment overrides
//! (`FRONTLINE_…`, and `DATABASE_URL`), then defaults.
//!
//! Secrets (bot tokens) are a [`Secret`], whose `Debug` and `Display` never show the value.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use frontline_core::Lang;
use serde::Deserialize;

/// A value that must never be printed or logged.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The value itself, for the one place that needs it (the platform client).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A staff member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Agent,
    Admin,
}

/// One member of staff and their identities per channel.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Staff {
    pub name: String,
    pub role: Role,
    #[serde(default)]
    pub console: Option<String>,
    #[serde(default)]
    pub telegram: Option<i64>,
    /// Their Discord user id.
    #[serde(default)]
    pub discord: Option<String>,
    /// A Discord role id: everyone holding it is staff with this entry's role and lines,
    /// under their own Discord name.
    #[serde(default)]
    pub discord_role: Option<String>,
    /// The support lines they work (2–4).
    #[serde(default = "default_lines")]
    pub lines: Vec<u8>,
}

fn default_lines() -> Vec<u8> {
    vec![2]
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramConfig {
    pub token: Option<Secret>,
    pub api_url: Option<String>,
    /// The agents' supergroup id.
    pub agent_chat: Option<i64>,
    /// Whether the agents' group has forum topics: each ticket then gets its own topic.
    #[serde(default)]
    pub topics: bool,
    /// Keep within Telegram's rate limits ahead of time (default on; `false` only for a
    /// local test server).
    pub throttle: Option<bool>,
    /// Webhook mode (instead of long polling): the public HTTPS URL Telegram posts to.
    pub webhook_url: Option<String>,
    /// Where the webhook server listens, such as `0.0.0.0:8443`.
    pub webhook_listen: Option<String>,
    /// The secret Telegram sends with each webhook request; others are refused.
    pub webhook_secret: Option<Secret>,
    /// Where SLA breaches are escalated.
    pub supervisor_chat: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordConfig {
    pub token: Option<Secret>,
    /// A REST proxy (a shared rate-limit proxy, or a test server) used instead of
    /// discord.com; the gateway is the URL it returns.
    pub api_proxy: Option<String>,
    /// The staff channel id: each ticket gets a thread there.
    pub agent_channel: Option<String>,
    /// A guild channel users may ask in (the answers move to DMs).
    pub support_channel: Option<String>,
    /// Where SLA breaches are escalated.
    pub supervisor_channel: Option<String>,
    /// This process's shards, `FIRST-LAST/TOTAL` (such as `0-1/4`): several processes on one
    /// PostgreSQL database then serve one bot. Unset: one process, one shard.
    pub shards: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    /// The console's agents' channel, shown as `→ #NAME: …`.
    #[serde(default = "default_console_channel")]
    pub agent_channel: String,
    /// Where line 3 (developers) gets escalated tickets.
    #[serde(default = "default_line3")]
    pub line3_channel: String,
    /// Where line 4 (vendors) escalations are tracked.
    #[serde(default = "default_line4")]
    pub line4_channel: String,
    /// Where SLA breaches are escalated.
    #[serde(default = "default_supervisors")]
    pub supervisor_channel: String,
}

fn default_supervisors() -> String {
    "#supervisors".to_string()
}

/// Service levels (`[sla]`): business hours in a time zone, holidays, targets.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaToml {
    /// An IANA time zone.
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// Working periods per weekday (`mon` … `sun`), such as `["09:00-13:00", "14:00-18:00"]`;
    /// a day not listed is closed. Default: Monday to Friday, 09:00–18:00.
    pub hours: Option<std::collections::BTreeMap<String, Vec<String>>>,
    /// Holidays, `YYYY-MM-DD`.
    #[serde(default)]
    pub holidays: Vec<String>,
    /// An iCalendar file of holidays (each event's days).
    pub holidays_ics: Option<PathBuf>,
    /// The share of a target after which a reminder goes out.
    #[serde(default = "default_warn_at")]
    pub warn_at: f64,
    /// Business days a ticket waits on the customer before it closes by itself.
    #[serde(default = "default_auto_close_days")]
    pub auto_close_days: u32,
    /// Targets per priority (and optionally type); priorities not listed keep the defaults.
    #[serde(default, rename = "policy")]
    pub policies: Vec<PolicyToml>,
}

/// `[[sla.policy]]`: targets in business time (`30m`, `4h`, `1h30m`, `3d`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyToml {
    pub priority: String,
    pub kind: Option<String>,
    pub first_response: String,
    pub resolution: String,
}

/// The policies of a `[[…policy]]` list, each problem named by its key under `prefix`.
fn policies_of(
    list: &[PolicyToml],
    prefix: &str,
    cal: &frontline_core::calendar::BusinessCalendar,
    bad: &mut impl FnMut(String, String),
) -> Vec<frontline_core::sla::SlaPolicy> {
    let mut policies = Vec::new();
    for (i, p) in list.iter().enumerate() {
        let key = |f: &str| format!("{prefix}[{i}].{f}");
        let priority = frontline_core::Priority::from_code(&p.priority);
        if priority.is_none() {
            bad(
                key("priority"),
                format!("`{}` is not low, normal, high or critical", p.priority),
            );
        }
        let kind = match &p.kind {
            None => Some(None),
            Some(k) => match frontline_core::TicketKind::from_code(k) {
                Some(k) => Some(Some(k)),
                None => {
                    bad(key("kind"), format!("`{k}` is not a ticket type"));
                    None
                }
            },
        };
        let first = cal
            .parse_duration(&p.first_response)
            .map_err(|e| bad(key("first_response"), e.to_string()))
            .ok();
        let resolution = cal
            .parse_duration(&p.resolution)
            .map_err(|e| bad(key("resolution"), e.to_string()))
            .ok();
        if let (Some(priority), Some(kind), Some(first), Some(resolution)) =
            (priority, kind, first, resolution)
        {
            policies.push(frontline_core::sla::SlaPolicy {
                priority,
                kind,
                first_response_ms: first * 60_000,
                resolution_ms: resolution * 60_000,
            });
        }
    }
    policies
}

fn default_timezone() -> String {
    "Europe/Moscow".to_string()
}

fn default_warn_at() -> f64 {
    0.8
}

fn default_auto_close_days() -> u32 {
    5
}

impl Default for SlaToml {
    fn default() -> Self {
        SlaToml {
            timezone: default_timezone(),
            hours: None,
            holidays: Vec::new(),
            holidays_ics: None,
            warn_at: default_warn_at(),
            auto_close_days: default_auto_close_days(),
            policies: Vec::new(),
        }
    }
}

impl SlaToml {
    /// The calendar and targets, or every problem with its key.
    ///
    /// # Errors
    /// The problems found.
    /// The service levels, with the contracts of `orgs`.
    pub fn build(
        &self,
        supervisors: Vec<frontline_core::ChatRef>,
        orgs: &[OrgToml],
    ) -> Result<frontline_core::sla::SlaConfig, Vec<Problem>> {
        use frontline_core::calendar::{self, BusinessCalendar, Period};
        let mut problems = Vec::new();
        let mut bad = |key: String, message: String| problems.push(Problem { key, message });
        let tz = BusinessCalendar::zone(&self.timezone)
            .map_err(|e| bad("sla.timezone".into(), e.to_string()))
            .ok();
        let mut week: [Vec<Period>; 7] = Default::default();
        match &self.hours {
            None => {
                let day = Period::parse("09:00-18:00")
                    .map(|p| vec![p])
                    .unwrap_or_default();
                for d in week.iter_mut().take(5) {
                    d.clone_from(&day);
                }
            }
            Some(hours) => {
                for (day, periods) in hours {
                    let key = format!("sla.hours.{day}");
                    let Some(i) = calendar::weekday_index(day) else {
                        bad(key, "days are mon, tue, wed, thu, fri, sat, sun".into());
                        continue;
                    };
                    for p in periods {
                        match Period::parse(p) {
                            Ok(p) => week[i].push(p),
                            Err(e) => bad(key.clone(), e.to_string()),
                        }
                    }
                }
            }
        }
        let mut holidays = std::collections::BTreeSet::new();
        for h in &self.holidays {
            match calendar::parse_date(h) {
                Ok(d) => {
                    holidays.insert(d);
                }
                Err(e) => bad("sla.holidays".into(), e.to_string()),
            }
        }
        if let Some(path) = &self.holidays_ics {
            match std::fs::read_to_string(path) {
                Ok(text) => match BusinessCalendar::holidays_from_ics(&text) {
                    Ok(days) => holidays.extend(days),
                    Err(e) => bad("sla.holidays_ics".into(), e.to_string()),
                },
                Err(e) => bad(
                    "sla.holidays_ics".into(),
                    format!("cannot read {}: {e}", path.display()),
                ),
            }
        }
        if !(self.warn_at > 0.0 && self.warn_at < 1.0) {
            bad(
                "sla.warn_at".into(),
                "must be between 0 and 1, such as 0.8".into(),
            );
        }
        if self.auto_close_days == 0 {
            bad("sla.auto_close_days".into(), "must be at least 1".into());
        }
        let cal = tz.and_then(|tz| {
            BusinessCalendar::new(tz, week, holidays)
                .map_err(|e| bad("sla.hours".into(), e.to_string()))
                .ok()
        });
        let mut policies = Vec::new();
        let mut contracts = std::collections::BTreeMap::new();
        if let Some(cal) = &cal {
            policies = policies_of(&self.policies, "sla.policy", cal, &mut bad);
            for (i, o) in orgs.iter().enumerate() {
                let contract = policies_of(&o.policies, &format!("org[{i}].policy"), cal, &mut bad);
                if let Ok(key) = frontline_core::org::OrgKey::parse(&o.key)
                    && !contract.is_empty()
                {
                    contracts.insert(key, contract);
                }
            }
        }
        match cal {
            Some(cal) if problems.is_empty() => {
                let mut sla = frontline_core::sla::SlaConfig::standard(cal, supervisors);
                // Configured policies come first, so they win over the defaults.
                policies.append(&mut sla.policies);
                sla.policies = policies;
                sla.warn_at = self.warn_at;
                sla.auto_close_days = self.auto_close_days;
                sla.contracts = contracts;
                Ok(sla)
            }
            _ => Err(problems),
        }
    }
}

fn default_line3() -> String {
    "#line3".to_string()
}

fn default_line4() -> String {
    "#line4".to_string()
}

fn default_console_channel() -> String {
    "#line2".to_string()
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            agent_channel: default_console_channel(),
            line3_channel: default_line3(),
            line4_channel: default_line4(),
            supervisor_channel: default_supervisors(),
        }
    }
}

/// A routing rule: tickets of `line` (and, when listed, of these types, languages and
/// categories) go to these channels. The first matching rule wins.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    #[serde(default = "default_route_line")]
    pub line: u8,
    #[serde(default)]
    pub kinds: Vec<String>,
    #[serde(default)]
    pub langs: Vec<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    /// Organisation keys (`[[org]]` or added from chat).
    #[serde(default)]
    pub orgs: Vec<String>,
    pub console: Option<String>,
    pub telegram: Option<i64>,
    pub discord: Option<String>,
}

fn default_route_line() -> u8 {
    2
}

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `sqlite://…` or `postgres://…`; default: SQLite in the data dir.
    pub database_url: Option<String>,
    /// The language of a first contact whose text says nothing (`ru` or `en`).
    pub default_lang: Option<String>,
    #[serde(default)]
    pub telegram: TelegramConfig,
    #[serde(default)]
    pub discord: DiscordConfig,
    #[serde(default)]
    pub console: ConsoleConfig,
    #[serde(default)]
    pub staff: Vec<Staff>,
    #[serde(default, rename = "route")]
    pub routes: Vec<RouteConfig>,
    #[serde(default)]
    pub sla: SlaToml,
    #[serde(default)]
    pub http: HttpConfig,
    #[serde(default)]
    pub web: WebToml,
    #[serde(default)]
    pub limits: LimitsToml,
    #[serde(default)]
    pub retention: RetentionToml,
    #[serde(default)]
    pub kb: KbToml,
    #[serde(default, rename = "rota")]
    pub rotas: Vec<RotaToml>,
    #[serde(default, rename = "org")]
    pub orgs: Vec<OrgToml>,
}

/// `[[org]]`: a client organisation, with its contract (`[[org.policy]]`, the
/// `[[sla.policy]]` syntax, overriding the desk's for its tickets).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgToml {
    pub key: String,
    pub name: String,
    pub partner: Option<String>,
    pub manager: Option<String>,
    /// `included` (default), `billable` or `partner`.
    pub consultations: Option<String>,
    #[serde(default, rename = "policy")]
    pub policies: Vec<PolicyToml>,
}

/// `[[rota]]`: who is on duty for a line — `shifts`, or a `weekly` rotation `starting` on a
/// date.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotaToml {
    pub line: i64,
    #[serde(default)]
    pub shifts: Vec<ShiftToml>,
    #[serde(default)]
    pub weekly: Vec<String>,
    /// The Monday (or any day) the first name's week starts, YYYY-MM-DD.
    pub starting: Option<String>,
}

/// One shift: `days = "mon-fri"` (or `"sat,sun"`), `from = "08:00"`, `to = "20:00"` (a `to`
/// before `from` runs past midnight), `who = "anna"`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShiftToml {
    pub days: String,
    pub from: String,
    pub to: String,
    pub who: String,
}

impl RotaToml {
    /// The rota, or what is wrong with it.
    pub fn build(&self, key: &str) -> Result<frontline_core::rota::Rota, Problem> {
        use frontline_core::rota::{Plan, Rota, Shift};
        let bad = |message: String| Problem {
            key: key.to_string(),
            message,
        };
        let line = frontline_core::domain::Line::new(self.line)
            .ok()
            .filter(|l| l.get() >= 2)
            .ok_or_else(|| bad("line is 2, 3 or 4".into()))?;
        let plan = match (self.shifts.is_empty(), self.weekly.is_empty()) {
            (false, true) => {
                let mut shifts = Vec::new();
                for s in &self.shifts {
                    let time = |t: &str| {
                        chrono::NaiveTime::parse_from_str(t, "%H:%M")
                            .map_err(|_| bad(format!("`{t}` is not a time (HH:MM)")))
                    };
                    shifts.push(Shift {
                        days: weekdays(&s.days).ok_or_else(|| {
                            bad(format!("`{}`: days are like mon-fri or sat,sun", s.days))
                        })?,
                        start: time(&s.from)?,
                        end: time(&s.to)?,
                        who: s.who.clone(),
                    });
                }
                Plan::Shifts(shifts)
            }
            (true, false) => {
                let start = self
                    .starting
                    .as_deref()
                    .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    .ok_or_else(|| bad("a weekly rota needs starting = \"YYYY-MM-DD\"".into()))?;
                Plan::Weekly {
                    start,
                    names: self.weekly.clone(),
                }
            }
            _ => return Err(bad("give either shifts or weekly".into())),
        };
        Ok(Rota { line, plan })
    }
}

/// `mon-fri`, `sat,sun`, `mon,wed-fri`.
fn weekdays(s: &str) -> Option<Vec<chrono::Weekday>> {
    let day = |d: &str| frontline_core::calendar::weekday_index(d.trim()).map(|i| i as u8);
    let mut out = Vec::new();
    for part in s.split(',') {
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (day(a)?, day(b)?),
            None => (day(part)?, day(part)?),
        };
        if b < a {
            return None;
        }
        out.extend((a..=b).filter_map(|i| chrono::Weekday::try_from(i).ok()));
    }
    (!out.is_empty()).then_some(out)
}

/// `[kb]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KbToml {
    /// Load the bundled sample articles into a desk that has none (default true).
    pub sample: Option<bool>,
    /// Learned phrasings kept per article and language (default 20; 0: learn nothing).
    pub learned_max: Option<usize>,
}

/// `[http]`: the operator's endpoint (health, readiness, metrics), and the Telegram
/// webhook's when it has no `webhook_listen` of its own.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// Such as `127.0.0.1:9090`; unset: no endpoint.
    pub listen: Option<String>,
}

/// `[web]`: the help centre, the knowledge base as a public site.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebToml {
    /// Serve it (default true).
    pub enabled: Option<bool>,
    /// Default `127.0.0.1:8080`.
    pub listen: Option<String>,
    /// Where readers reach it, for canonical links and the sitemap, such as
    /// `https://help.example.com`; default `http://` and the listen address.
    pub base_url: Option<String>,
    /// The site's name; default "Help centre" in each language.
    pub title: Option<String>,
    /// The Telegram bot's username for the "Ask us" deep links; default: asked of Telegram
    /// (`getMe`) when Telegram is served.
    pub telegram_bot: Option<String>,
    /// The Discord invite or support channel's link for "Ask us".
    pub discord_url: Option<String>,
    /// Category names per language: `[web.categories.network] en = "Network" ru = "Сеть"`
    /// (the sample's have names already; others show their key).
    #[serde(default)]
    pub categories: std::collections::BTreeMap<String, CategoryNames>,
}

/// A category's name in each language.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryNames {
    pub en: Option<String>,
    pub ru: Option<String>,
}

/// The help centre's address when `[web] listen` is not set.
pub const DEFAULT_WEB_LISTEN: &str = "127.0.0.1:8080";

impl WebToml {
    pub fn enabled(&self) -> bool {
        self.enabled != Some(false)
    }

    pub fn listen(&self) -> &str {
        self.listen.as_deref().unwrap_or(DEFAULT_WEB_LISTEN)
    }
}

/// `[limits]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsToml {
    /// A sender's messages a minute before they are told to slow down (default 20; 0: no
    /// limit). Staff are not limited.
    pub messages_per_minute: Option<u32>,
}

/// `[retention]`, in days (0: for ever).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionToml {
    /// Sent outbox rows (default 14).
    pub outbox_days: Option<u32>,
    /// Seen update ids, for recognising redeliveries (default 7).
    pub seen_days: Option<u32>,
    /// The question log behind the reports (default 400).
    pub questions_days: Option<u32>,
}

impl Config {
    /// The engine's limits.
    pub fn limits(&self) -> frontline_core::limits::Limits {
        let d = frontline_core::limits::Limits::default();
        frontline_core::limits::Limits {
            messages_per_minute: self
                .limits
                .messages_per_minute
                .unwrap_or(d.messages_per_minute),
            learned_per_article: self.kb.learned_max.unwrap_or(d.learned_per_article),
        }
    }

    /// What is kept, and for how long.
    pub fn retention(&self) -> frontline_core::limits::Retention {
        let d = frontline_core::limits::Retention::default();
        let r = &self.retention;
        frontline_core::limits::Retention {
            outbox_days: r.outbox_days.unwrap_or(d.outbox_days),
            seen_days: r.seen_days.unwrap_or(d.seen_days),
            questions_days: r.questions_days.unwrap_or(d.questions_days),
        }
    }
}

/// One problem in a configuration, with the key it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Where configuration values come from besides the file: the process environment, or a
/// map in tests.
pub trait Env {
    fn var(&self, key: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, key: &str) -> Option<String> {
        std::env::var(key).ok().filter(|v| !v.is_empty())
    }
}

impl Config {
    /// Parses a TOML text. Every problem is reported with its key; the first syntax or type
    /// error stops parsing (TOML's own message names the line and key).
    ///
    /// # Errors
    /// The problems found.
    pub fn parse(text: &str) -> Result<Config, Vec<Problem>> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let key = e
                .message()
                .split('`')
                .nth(1)
                .map(String::from)
                .unwrap_or_else(|| "(file)".to_string());
            vec![Problem {
                key,
                message: e.to_string().trim().replace('\n', " "),
            }]
        })?;
        let problems = config.problems();
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems)
        }
    }

    /// Reads `path` when given (a missing file given explicitly is a problem), then applies
    /// the environment.
    ///
    /// # Errors
    /// The problems found.
    pub fn load(path: Option<&Path>, env: &dyn Env) -> Result<Config, Vec<Problem>> {
        let mut config = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| {
                    vec![Problem {
                        key: "--config".into(),
                        message: format!("cannot read {}: {e}", p.display()),
                    }]
                })?;
                Config::parse(&text)?
            }
            None => Config::default(),
        };
        config.apply_env(env);
        let problems = config.problems();
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems)
        }
    }

    /// Environment overrides: `DATABASE_URL` (or `FRONTLINE_DATABASE_URL`),
    /// `FRONTLINE_DEFAULT_LANG`, `FRONTLINE_TELEGRAM_TOKEN`, `FRONTLINE_TELEGRAM_API_URL`,
    /// `FRONTLINE_TELEGRAM_AGENT_CHAT`, `FRONTLINE_DISCORD_TOKEN`, `FRONTLINE_DISCORD_API_PROXY`,
    /// `FRONTLINE_DISCORD_AGENT_CHANNEL`, `FRONTLINE_DISCORD_SUPPORT_CHANNEL`, `FRONTLINE_DISCORD_SHARDS`,
    /// `FRONTLINE_HTTP_LISTEN`, `FRONTLINE_WEB_ENABLED`, `FRONTLINE_WEB_LISTEN`,
    /// `FRONTLINE_WEB_BASE_URL`.
    pub fn apply_env(&mut self, env: &dyn Env) {
        if let Some(v) = env
            .var("FRONTLINE_DATABASE_URL")
            .or_else(|| env.var("DATABASE_URL"))
        {
            self.database_url = Some(v);
        }
        if let Some(v) = env.var("FRONTLINE_DEFAULT_LANG") {
            self.default_lang = Some(v);
        }
        if let Some(v) = env.var("FRONTLINE_TELEGRAM_TOKEN") {
            self.telegram.token = Some(Secret(v));
        }
        if let Some(v) = env.var("FRONTLINE_TELEGRAM_API_URL") {
            self.telegram.api_url = Some(v);
        }
        if let Some(v) = env
            .var("FRONTLINE_TELEGRAM_AGENT_CHAT")
            .and_then(|v| v.parse().ok())
        {
            self.telegram.agent_chat = Some(v);
        }
        if let Some(v) = env.var("FRONTLINE_DISCORD_TOKEN") {
            self.discord.token = Some(Secret(v));
        }
        if let Some(v) = env.var("FRONTLINE_DISCORD_API_PROXY") {
            self.discord.api_proxy = Some(v);
        }
        if let Some(v) = env.var("FRONTLINE_DISCORD_AGENT_CHANNEL") {
            self.discord.agent_channel = Some(v);
        }
        if let Some(v) = env.var("FRONTLINE_DISCORD_SUPPORT_CHANNEL") {
            self.discord.support_channel = Some(v);
        }
        if let Some(v) = env.var("FRONTLINE_DISCORD_SHARDS") {
            self.discord.shards = Some(v);
        }
        if let Some(v) = env.var("FRONTLINE_HTTP_LISTEN") {
            self.http.listen = Some(v);
        }
        if let Some(v) = env.var("FRONTLINE_WEB_ENABLED") {
            self.web.enabled = Some(!matches!(v.as_str(), "0" | "false" | "no" | "off"));
        }
        if let Some(v) = env.var("FRONTLINE_WEB_LISTEN") {
            self.web.listen = Some(v);
        }
        if let Some(v) = env.var("FRONTLINE_WEB_BASE_URL") {
            self.web.base_url = Some(v);
        }
    }

    /// Every semantic problem, each named by its key.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut bad = |key: String, message: String| out.push(Problem { key, message });
        if let Some(url) = &self.database_url
            && !(url.starts_with("sqlite:")
                || url.starts_with("postgres://")
                || url.starts_with("postgresql://"))
        {
            bad(
                "database_url".into(),
                "must start with sqlite: or postgres://".into(),
            );
        }
        if let Some(l) = &self.default_lang
            && Lang::parse(l).is_err()
        {
            bad("default_lang".into(), format!("`{l}` is not ru or en"));
        }
        for (key, url) in [
            ("telegram.api_url", &self.telegram.api_url),
            ("discord.api_proxy", &self.discord.api_proxy),
        ] {
            if let Some(u) = url
                && !(u.starts_with("http://") || u.starts_with("https://"))
            {
                bad(key.into(), format!("`{u}` is not an http(s) URL"));
            }
        }
        if let Some(t) = &self.telegram.token
            && !t.expose().contains(':')
        {
            bad(
                "telegram.token".into(),
                "does not look like a BotFather token (ID:SECRET)".into(),
            );
        }
        if let Some(listen) = &self.http.listen
            && listen.parse::<std::net::SocketAddr>().is_err()
        {
            bad(
                "http.listen".into(),
                format!("`{listen}` is not an address such as 127.0.0.1:9090"),
            );
        }
        let keys: Vec<String> = self
            .orgs
            .iter()
            .map(|o| o.key.trim().to_lowercase())
            .collect();
        for (i, o) in self.orgs.iter().enumerate() {
            let key = |f: &str| format!("org[{i}].{f}");
            if frontline_core::org::OrgKey::parse(&o.key).is_err() {
                bad(
                    key("key"),
                    format!(
                        "`{}` is not a key: letters, digits, - and _, up to 32",
                        o.key
                    ),
                );
            } else if keys[..i].contains(&keys[i]) {
                bad(key("key"), format!("`{}` is declared twice", o.key));
            }
            if o.name.trim().is_empty()
                || o.name.chars().count() > frontline_core::org::MAX_ORG_NAME_CHARS
            {
                bad(key("name"), "a name of 1 to 100 characters".into());
            }
            if let Some(c) = &o.consultations
                && frontline_core::org::Consultations::from_code(c).is_none()
            {
                bad(
                    key("consultations"),
                    format!("`{c}` is not included, billable or partner"),
                );
            }
            if let Some(p) = &o.partner
                && (!keys.contains(&p.trim().to_lowercase())
                    || p.trim().eq_ignore_ascii_case(o.key.trim()))
            {
                bad(
                    key("partner"),
                    format!("`{p}` is not another [[org]] of this file"),
                );
            }
        }
        if self.web.listen().parse::<std::net::SocketAddr>().is_err() {
            bad(
                "web.listen".into(),
                format!(
                    "`{}` is not an address such as 127.0.0.1:8080",
                    self.web.listen()
                ),
            );
        }
        if let Some(url) = &self.web.base_url
            && !matches!(url::Url::parse(url), Ok(u) if matches!(u.scheme(), "http" | "https"))
        {
            bad(
                "web.base_url".into(),
                format!("`{url}` is not an http(s) address such as https://help.example.com"),
            );
        }
        if let Some(bot) = &self.web.telegram_bot
            && !(bot.len() >= 3 && bot.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        {
            bad(
                "web.telegram_bot".into(),
                format!("`{bot}` is not a bot username (letters, digits and _, without @)"),
            );
        }
        let tg = &self.telegram;
        if tg.webhook_url.is_some() {
            if tg.webhook_listen.is_none() && self.http.listen.is_none() {
                bad(
                    "telegram.webhook_listen".into(),
                    "webhook mode needs the address to listen on, such as 0.0.0.0:8443 \
                     (or [http] listen, which then serves the webhook too)"
                        .into(),
                );
            }
            match &tg.webhook_secret {
                None => bad(
                    "telegram.webhook_secret".into(),
                    "webhook mode needs a secret, or anyone could post updates".into(),
                ),
                Some(s)
                    if s.expose().is_empty()
                        || s.expose().len() > 256
                        || !s
                            .expose()
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') =>
                {
                    bad(
                        "telegram.webhook_secret".into(),
                        "1–256 characters of A–Z, a–z, 0–9, _ and -".into(),
                    )
                }
                Some(_) => {}
            }
        }
        if let Some(u) = &tg.webhook_url
            && u.parse::<url::Url>().is_err()
        {
            bad("telegram.webhook_url".into(), format!("`{u}` is not a URL"));
        }
        if self.console.agent_channel.trim().is_empty() {
            bad("console.agent_channel".into(), "must not be empty".into());
        }
        let mut names = BTreeSet::new();
        for (i, s) in self.staff.iter().enumerate() {
            let key = |field: &str| format!("staff[{i}].{field}");
            if s.name.trim().is_empty() {
                bad(key("name"), "must not be empty".into());
            } else if !names.insert(s.name.clone()) {
                bad(key("name"), format!("`{}` is listed twice", s.name));
            }
            if s.console.is_none()
                && s.telegram.is_none()
                && s.discord.is_none()
                && s.discord_role.is_none()
            {
                bad(
                    key("console"),
                    "give at least one identity: console, telegram, discord or discord_role".into(),
                );
            }
            for (field, id) in [("discord", &s.discord), ("discord_role", &s.discord_role)] {
                if let Some(id) = id
                    && !is_snowflake(id)
                {
                    bad(key(field), format!("`{id}` is not a Discord id (digits)"));
                }
            }
            if s.lines.is_empty() || s.lines.iter().any(|&l| !(2..=4).contains(&l)) {
                bad(key("lines"), "lines are 2, 3 or 4".into());
            }
        }
        for (i, r) in self.routes.iter().enumerate() {
            let key = |field: &str| format!("route[{i}].{field}");
            if !(2..=4).contains(&r.line) {
                bad(key("line"), "lines are 2, 3 or 4".into());
            }
            for k in &r.kinds {
                if frontline_core::TicketKind::from_code(k).is_none() {
                    bad(key("kinds"), format!("`{k}` is not a ticket type"));
                }
            }
            for l in &r.langs {
                if Lang::parse(l).is_err() {
                    bad(key("langs"), format!("`{l}` is not ru or en"));
                }
            }
            if let Some(id) = &r.discord
                && !is_snowflake(id)
            {
                bad(
                    key("discord"),
                    format!("`{id}` is not a Discord channel id (digits)"),
                );
            }
            if r.console.is_none() && r.telegram.is_none() && r.discord.is_none() {
                bad(
                    key("console"),
                    "give at least one channel: console, telegram or discord".into(),
                );
            }
        }
        for (key, id) in [
            ("discord.agent_channel", &self.discord.agent_channel),
            ("discord.support_channel", &self.discord.support_channel),
            (
                "discord.supervisor_channel",
                &self.discord.supervisor_channel,
            ),
        ] {
            if let Some(id) = id
                && !is_snowflake(id)
            {
                bad(
                    key.into(),
                    format!("`{id}` is not a Discord channel id (digits)"),
                );
            }
        }
        if let Some(s) = &self.discord.shards
            && let Err(e) = crate::discord::Shards::parse(s)
        {
            bad("discord.shards".into(), e);
        }
        if let Err(problems) = self.sla.build(Vec::new(), &self.orgs) {
            out.extend(problems);
        }
        for (i, r) in self.rotas.iter().enumerate() {
            if let Err(p) = r.build(&format!("rota[{i}]")) {
                out.push(p);
            }
        }
        out
    }

    /// The `[[rota]]` entries, built.
    ///
    /// # Errors
    /// The first entry that cannot be read.
    pub fn rotas(&self) -> anyhow::Result<Vec<frontline_core::rota::Rota>> {
        self.rotas
            .iter()
            .enumerate()
            .map(|(i, r)| {
                r.build(&format!("rota[{i}]"))
                    .map_err(|p| anyhow::anyhow!("{p}"))
            })
            .collect()
    }

    /// Where SLA breaches go: the supervisors' chat on each configured channel.
    pub fn supervisor_chats(&self) -> Vec<frontline_core::ChatRef> {
        use frontline_core::{ChannelKind, ChatRef};
        let mut chats = vec![ChatRef::new(
            ChannelKind::Console,
            self.console.supervisor_channel.clone(),
        )];
        if let Some(c) = self.telegram.supervisor_chat {
            chats.push(ChatRef::new(ChannelKind::Telegram, c.to_string()));
        }
        if let Some(c) = &self.discord.supervisor_channel {
            chats.push(ChatRef::new(ChannelKind::Discord, c.clone()));
        }
        chats
    }

    /// The configuration's organisations (already validated by `problems`).
    pub fn org_list(&self) -> Vec<frontline_core::org::Org> {
        self.orgs
            .iter()
            .filter_map(|o| {
                Some(frontline_core::org::Org {
                    key: frontline_core::org::OrgKey::parse(&o.key).ok()?,
                    name: o.name.trim().to_string(),
                    partner: o
                        .partner
                        .as_deref()
                        .and_then(|p| frontline_core::org::OrgKey::parse(p).ok()),
                    manager: o.manager.clone(),
                    consultations: o
                        .consultations
                        .as_deref()
                        .and_then(frontline_core::org::Consultations::from_code)
                        .unwrap_or_default(),
                    from_config: true,
                })
            })
            .collect()
    }

    pub fn default_lang(&self) -> Lang {
        self.default_lang
            .as_deref()
            .and_then(|l| Lang::parse(l).ok())
            .unwrap_or(Lang::En)
    }

    /// The database URL: configured, or SQLite in the data dir.
    pub fn database_url(&self, data_dir: &Path) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("frontline.db").display()
            )
        })
    }

    /// Whether a chat platform is configured (otherwise Frontline runs the console).
    pub fn has_bot_token(&self) -> bool {
        self.telegram.token.is_some() || self.discord.token.is_some()
    }
}

/// Whether `id` looks like a Discord id: a non-zero number.
fn is_snowflake(id: &str) -> bool {
    id.parse::<u64>().is_ok_and(|n| n > 0)
}

/// The default configuration file, used when it exists and `--config` is not given.
pub fn default_path(data_dir: &Path) -> Option<PathBuf> {
    [
        PathBuf::from("frontline.toml"),
        data_dir.join("frontline.toml"),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn rotas_read_shifts_and_weekly_rotations_and_say_what_is_wrong() {
        let config: Config = toml::from_str(
            r#"
            [[rota]]
            line = 2
            shifts = [
                { days = "mon-fri", from = "08:00", to = "20:00", who = "anna" },
                { days = "sat,sun", from = "10:00", to = "16:00", who = "boris" },
            ]
            [[rota]]
            line = 3
            weekly = ["ivan", "olga"]
            starting = "2026-11-30"
            "#,
        )
        .expect("toml");
        let rotas = config.rotas().expect("rotas");
        assert_eq!(rotas.len(), 2);
        match &rotas[0].plan {
            frontline_core::rota::Plan::Shifts(s) => {
                assert_eq!(s[0].days.len(), 5);
                assert_eq!(s[1].days, vec![chrono::Weekday::Sat, chrono::Weekday::Sun]);
            }
            other => panic!("shifts expected, got {other:?}"),
        }
        let bad: Config = toml::from_str(
            r#"
            [[rota]]
            line = 2
            shifts = [{ days = "someday", from = "8", to = "20:00", who = "anna" }]
            "#,
        )
        .expect("toml");
        let problems = bad.problems();
        assert!(problems.iter().any(|p| p.key == "rota[0]"), "{problems:?}");
        assert!(bad.rotas().is_err());
    }

    struct MapEnv(HashMap<&'static str, &'static str>);

    #[test]
    fn sla_settings_build_a_calendar_or_name_each_bad_key() {
        let good = Config::parse(
            "[sla]\ntimezone = \"Europe/Berlin\"\nholidays = [\"2026-12-25\"]\n\
             [sla.hours]\nmon = [\"09:00-13:00\", \"14:00-18:00\"]\n\
             [[sla.policy]]\npriority = \"critical\"\nkind = \"incident\"\n\
             first_response = \"15m\"\nresolution = \"1h30m\"\n",
        )
        .expect("valid");
        let sla = good.sla.build(Vec::new(), &good.orgs).expect("builds");
        assert_eq!(sla.calendar.day_minutes(), 480);
        let p = sla
            .policy(
                frontline_core::Priority::Critical,
                frontline_core::TicketKind::Incident,
            )
            .expect("policy");
        assert_eq!(
            (p.first_response_ms, p.resolution_ms),
            (15 * 60_000, 90 * 60_000)
        );
        // A priority the file does not name keeps its default.
        assert!(
            sla.policy(
                frontline_core::Priority::Low,
                frontline_core::TicketKind::Question
            )
            .is_some()
        );

        let bad = Config::parse(
            "[sla]\ntimezone = \"Mars/Olympus\"\nwarn_at = 1.5\nholidays = [\"25.12.2026\"]\n\
             [sla.hours]\nmonday = [\"09:00-18:00\"]\ntue = [\"18:00-09:00\"]\n\
             [[sla.policy]]\npriority = \"urgent\"\nfirst_response = \"soon\"\nresolution = \"4h\"\n",
        )
        .expect_err("invalid");
        let keys: Vec<&str> = bad.iter().map(|p| p.key.as_str()).collect();
        for key in [
            "sla.timezone",
            "sla.warn_at",
            "sla.holidays",
            "sla.hours.monday",
            "sla.hours.tue",
        ] {
            assert!(keys.contains(&key), "{key} missing in {bad:?}");
        }
    }

    impl Env for MapEnv {
        fn var(&self, key: &str) -> Option<String> {
            self.0.get(key).map(|v| v.to_string())
        }
    }

    #[test]
    fn a_full_file_parses() {
        let c = Config::parse(
            r##"
            database_url = "postgres://postgres@127.0.0.1/test"
            default_lang = "ru"
            [telegram]
            token = "123:abc"
            api_url = "http://127.0.0.1:8081"
            agent_chat = -1001
            [console]
            agent_channel = "#support"
            [[staff]]
            name = "Anna"
            role = "agent"
            console = "anna"
            telegram = 42
            lines = [2, 3]
            "##,
        )
        .expect("valid");
        assert_eq!(c.default_lang(), Lang::Ru);
        assert_eq!(c.staff[0].role, Role::Agent);
        assert!(c.has_bot_token());
    }

    #[test]
    fn organisations_and_their_contracts_parse_and_each_problem_is_named() {
        let good = Config::parse(
            "[[org]]\nkey = \"intpartner\"\nname = \"Integrator\"\n\
             [[org]]\nkey = \"acme\"\nname = \"ACME Corp\"\npartner = \"intpartner\"\n\
             manager = \"Anna\"\nconsultations = \"partner\"\n\
             [[org.policy]]\npriority = \"high\"\nfirst_response = \"1h\"\nresolution = \"1d\"\n",
        )
        .expect("parses");
        assert!(good.problems().is_empty(), "{:?}", good.problems());
        let orgs = good.org_list();
        assert_eq!(orgs.len(), 2);
        assert_eq!(
            orgs[1].partner.as_ref().map(|k| k.as_str()),
            Some("intpartner")
        );
        assert_eq!(
            orgs[1].consultations,
            frontline_core::org::Consultations::Partner
        );
        let sla = good.sla.build(Vec::new(), &good.orgs).expect("builds");
        let acme = frontline_core::org::OrgKey::parse("acme").expect("key");
        assert_eq!(sla.contracts[&acme][0].first_response_ms, 3_600_000);
        assert!(
            !sla.contracts
                .contains_key(&frontline_core::org::OrgKey::parse("intpartner").expect("key"))
        );

        let problems = Config::parse(
            "[[org]]\nkey = \"a b\"\nname = \"\"\n\
             [[org]]\nkey = \"acme\"\nname = \"A\"\npartner = \"ghost\"\nconsultations = \"sometimes\"\n\
             [[org.policy]]\npriority = \"urgent\"\nfirst_response = \"soon\"\nresolution = \"1d\"\n\
             [[org]]\nkey = \"ACME\"\nname = \"Again\"\n",
        )
        .expect_err("problems");
        let keys: Vec<String> = problems.into_iter().map(|p| p.key).collect();
        for k in [
            "org[0].key",
            "org[0].name",
            "org[1].partner",
            "org[1].consultations",
            "org[2].key",
            "org[1].policy[0].priority",
            "org[1].policy[0].first_response",
        ] {
            assert!(keys.contains(&k.to_string()), "{k} in {keys:?}");
        }
    }

    #[test]
    fn each_problem_is_named_by_its_key() {
        let p = Config::parse(
            r#"
            database_url = "mysql://x"
            default_lang = "de"
            [telegram]
            api_url = "ftp://x"
            [[staff]]
            name = "A"
            role = "agent"
            lines = [1]
            [[staff]]
            name = "A"
            role = "admin"
            console = "a"
            "#,
        )
        .expect_err("invalid");
        let keys: Vec<&str> = p.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "database_url",
                "default_lang",
                "telegram.api_url",
                "staff[0].console",
                "staff[0].lines",
                "staff[1].name"
            ]
        );
        let unknown = Config::parse("colour = 3").expect_err("unknown key");
        assert!(unknown[0].message.contains("colour"), "{unknown:?}");
        let syntax = Config::parse("default_lang = ").expect_err("syntax");
        assert_eq!(syntax.len(), 1);
    }

    #[test]
    fn discord_ids_and_shards_are_checked() {
        let p = Config::parse(
            r##"
            [discord]
            agent_channel = "#staff"
            support_channel = "0"
            shards = "2-1/4"
            [[staff]]
            name = "team"
            role = "agent"
            discord_role = "@agents"
            "##,
        )
        .expect_err("invalid");
        let keys: Vec<&str> = p.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "staff[0].discord_role",
                "discord.agent_channel",
                "discord.support_channel",
                "discord.shards"
            ]
        );
        // A role alone is an identity.
        let ok = Config::parse(
            "[discord]\nagent_channel = \"600\"\nshards = \"0-1/2\"\n\
             [[staff]]\nname = \"team\"\nrole = \"agent\"\ndiscord_role = \"777\"\n",
        );
        assert!(ok.is_ok(), "{ok:?}");
    }

    #[test]
    fn the_environment_overrides_the_file_and_secrets_stay_hidden() {
        let env = MapEnv(HashMap::from([
            ("DATABASE_URL", "postgres://db/x"),
            ("FRONTLINE_TELEGRAM_TOKEN", "999:very-secret"),
        ]));
        let c = Config::load(None, &env).expect("valid");
        assert_eq!(c.database_url.as_deref(), Some("postgres://db/x"));
        let shown = format!("{c:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("Secret(***)"));
        assert_eq!(
            c.telegram.token.as_ref().map(Secret::expose),
            Some("999:very-secret")
        );
    }

    #[test]
    fn the_default_database_is_sqlite_in_the_data_dir() {
        let c = Config::default();
        assert_eq!(
            c.database_url(Path::new("/d")),
            "sqlite:///d/frontline.db?mode=rwc"
        );
        assert!(!c.has_bot_token());
    }
}
