//! `frontline report …`: tickets, billable hours, service levels and deflection over a period.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};
use frontline_core::SystemClock;

use crate::app::App;
use crate::config::Config;

/// What a report groups by besides its own breakdowns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum By {
    /// Client organisations (tickets without one are "(no organisation)").
    Org,
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum Format {
    #[default]
    Table,
    Csv,
}

/// The days a report covers.
#[derive(Debug, Clone, clap::Args)]
pub struct Period {
    /// First day (YYYY-MM-DD, UTC); default: the beginning.
    #[arg(long)]
    pub from: Option<String>,
    /// Last day, included (YYYY-MM-DD, UTC); default: today.
    #[arg(long)]
    pub to: Option<String>,
}

impl Period {
    /// `[from, to)` in unix milliseconds.
    fn millis(&self) -> anyhow::Result<(i64, i64)> {
        period(self.from.as_deref(), self.to.as_deref())
    }
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Tickets created in the period: counts by type, priority, line and status, median
    /// first-response and resolution times, CSAT average.
    Tickets {
        #[command(flatten)]
        period: Period,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// Tickets per organisation instead.
        #[arg(long, value_enum)]
        by: Option<By>,
    },
    /// Per agent: tickets taken and resolved, median first response and resolution in
    /// business time, SLA met, CSAT, billable hours.
    Agents {
        #[command(flatten)]
        period: Period,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Billable consultation hours per requester and agent.
    Hours {
        #[command(flatten)]
        period: Period,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// Hours per organisation instead of per requester and agent.
        #[arg(long, value_enum)]
        by: Option<By>,
    },
    /// Service levels per priority: the share of tickets that met their first-response and
    /// resolution targets, and the breaches.
    Sla {
        #[command(flatten)]
        period: Period,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Per announcement drafted in the period: its audience, state, and how many were sent,
    /// failed, blocked the bot, had muted announcements, or are still to be sent.
    Announcements {
        #[command(flatten)]
        period: Period,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// The share of questions the knowledge base answered without a ticket, and the questions
    /// that most often ended in a ticket (what to write next).
    Deflection {
        #[command(flatten)]
        period: Period,
    },
}

const DAY_MS: i64 = 86_400_000;

/// `[from, to)` in unix milliseconds from inclusive dates.
fn period(from: Option<&str>, to: Option<&str>) -> anyhow::Result<(i64, i64)> {
    let day = |s: &str| -> anyhow::Result<i64> {
        let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .with_context(|| format!("`{s}` is not a date (YYYY-MM-DD)"))?;
        Ok(d.and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_millis())
            .unwrap_or(0))
    };
    let from_ms = from.map(day).transpose()?.unwrap_or(0);
    let to_ms = match to {
        Some(t) => day(t)? + DAY_MS,
        None => chrono::Utc::now().timestamp_millis() + DAY_MS,
    };
    if to_ms <= from_ms {
        bail!("--to is before --from");
    }
    Ok((from_ms, to_ms))
}

fn minutes(m: Option<f64>) -> String {
    m.map_or("—".to_string(), |m| format!("{m:.0} min"))
}

pub async fn run(command: ReportCommand, config: Config, data_dir: &Path) -> anyhow::Result<()> {
    let app = App::start(config, data_dir, Arc::new(SystemClock)).await?;
    let store = &app.store;
    let mut out = std::io::stdout().lock();
    match command {
        ReportCommand::Tickets {
            period,
            format,
            by: Some(By::Org),
        } => {
            let (f, t) = period.millis()?;
            let rows = store.tickets_by_org(f, t).await?;
            by_org(&rows, format, "tickets", |n| n.to_string(), &mut out)
        }
        ReportCommand::Hours {
            period,
            format,
            by: Some(By::Org),
        } => {
            let (f, t) = period.millis()?;
            let rows = store.hours_by_org(f, t).await?;
            by_org(&rows, format, "hours", |h| format!("{h:.2}"), &mut out)
        }
        ReportCommand::Tickets { period, format, .. } => {
            let calendar = &app.engine.config().sla.calendar;
            tickets(store, calendar, &period, format, &mut out).await
        }
        ReportCommand::Hours { period, format, .. } => {
            hours(store, &period, format, &mut out).await
        }
        ReportCommand::Agents { period, format } => {
            let calendar = &app.engine.config().sla.calendar;
            agents(store, calendar, &period, format, &mut out).await
        }
        ReportCommand::Sla { period, format } => sla(store, &period, format, &mut out).await,
        ReportCommand::Deflection { period } => deflection(store, &period, &mut out).await,
        ReportCommand::Announcements { period, format } => {
            announcements(store, &period, format, &mut out).await
        }
    }
}

/// Per announcement: audience, sent, failed, blocked, muted.
async fn announcements(
    store: &frontline_core::Store,
    period: &Period,
    format: Format,
    mut out: impl Write,
) -> anyhow::Result<()> {
    let (f, t) = period.millis()?;
    let rows = store.announcement_report(f, t).await?;
    let day = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    };
    let header = [
        "id",
        "created",
        "author",
        "audience",
        "state",
        "recipients",
        "sent",
        "failed",
        "blocked",
        "muted",
        "unsent",
    ];
    let fields = |a: &frontline_core::announce::Announcement,
                  c: &frontline_core::announce::Counts| {
        [
            a.id.to_string(),
            day(a.created_ms),
            a.author.clone(),
            a.audience.code(),
            a.state.code().to_string(),
            c.total.to_string(),
            c.sent.to_string(),
            c.failed.to_string(),
            c.blocked.to_string(),
            c.muted.to_string(),
            (c.pending + c.queued).to_string(),
        ]
    };
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(header)?;
            for (a, c) in &rows {
                w.write_record(fields(a, c))?;
            }
            w.flush()?;
        }
        Format::Table => {
            if rows.is_empty() {
                writeln!(out, "no announcements in the period")?;
                return Ok(());
            }
            let cells: Vec<[String; 11]> = rows.iter().map(|(a, c)| fields(a, c)).collect();
            let widths: Vec<usize> = (0..header.len())
                .map(|i| {
                    cells
                        .iter()
                        .map(|r| r[i].chars().count())
                        .chain([header[i].len()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |cols: Vec<&str>| {
                cols.iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_string()
            };
            writeln!(out, "{}", line(header.to_vec()))?;
            for r in &cells {
                writeln!(out, "{}", line(r.iter().map(String::as_str).collect()))?;
            }
        }
    }
    Ok(())
}

/// Tickets by type, priority, line and status, with the medians and CSAT.
async fn tickets(
    store: &frontline_core::Store,
    calendar: &frontline_core::calendar::BusinessCalendar,
    period: &Period,
    format: Format,
    mut out: impl Write,
) -> anyhow::Result<()> {
    let (f, t) = period.millis()?;
    let r = store.ticket_report(f, t, calendar).await?;
    let mut rows: Vec<(String, String, String)> = Vec::new();
    rows.push(("total".into(), "".into(), r.total.to_string()));
    for (group, map) in [
        ("type", &r.by_kind),
        ("priority", &r.by_priority),
        ("line", &r.by_line),
        ("status", &r.by_status),
    ] {
        for (k, n) in map {
            rows.push((group.into(), k.clone(), n.to_string()));
        }
    }
    rows.push((
        "median".into(),
        "first_response_min".into(),
        r.median_first_response_min
            .map_or(String::new(), |m| format!("{m:.1}")),
    ));
    rows.push((
        "median".into(),
        "resolution_min".into(),
        r.median_resolution_min
            .map_or(String::new(), |m| format!("{m:.1}")),
    ));
    rows.push((
        "csat".into(),
        "average".into(),
        r.csat_average.map_or(String::new(), |a| format!("{a:.2}")),
    ));
    rows.push(("csat".into(), "ratings".into(), r.csat_count.to_string()));
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(["group", "key", "value"])?;
            for (g, k, v) in &rows {
                w.write_record([g, k, v])?;
            }
            w.flush()?;
        }
        Format::Table => {
            writeln!(out, "tickets: {}", r.total)?;
            for (group, map) in [
                ("by type", &r.by_kind),
                ("by priority", &r.by_priority),
                ("by line", &r.by_line),
                ("by status", &r.by_status),
            ] {
                let parts: Vec<String> = map.iter().map(|(k, n)| format!("{k} {n}")).collect();
                writeln!(
                    out,
                    "{group}: {}",
                    if parts.is_empty() {
                        "—".into()
                    } else {
                        parts.join(", ")
                    }
                )?;
            }
            writeln!(
                out,
                "median first response (business time): {}",
                minutes(r.median_first_response_min)
            )?;
            writeln!(
                out,
                "median resolution (business time): {}",
                minutes(r.median_resolution_min)
            )?;
            match r.csat_average {
                Some(a) => writeln!(out, "CSAT: {a:.2} over {} ratings", r.csat_count)?,
                None => writeln!(out, "CSAT: no ratings")?,
            }
        }
    }
    Ok(())
}

/// Per-agent figures, in business time.
async fn agents(
    store: &frontline_core::Store,
    calendar: &frontline_core::calendar::BusinessCalendar,
    period: &Period,
    format: Format,
    mut out: impl Write,
) -> anyhow::Result<()> {
    let (f, t) = period.millis()?;
    let rows = store.agents_report(f, t, calendar).await?;
    let num = |v: Option<f64>, digits: usize| v.map_or(String::new(), |v| format!("{v:.digits$}"));
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "agent",
                "claimed",
                "resolved",
                "median_first_response_business_min",
                "median_resolution_business_min",
                "sla_met_pct",
                "csat_average",
                "csat_count",
                "billable_hours",
            ])?;
            for r in &rows {
                w.write_record([
                    r.agent.clone(),
                    r.claimed.to_string(),
                    r.resolved.to_string(),
                    num(r.median_first_response_min, 1),
                    num(r.median_resolution_min, 1),
                    num(r.sla_met.map(|s| s * 100.0), 1),
                    num(r.csat_average, 2),
                    r.csat_count.to_string(),
                    format!("{:.2}", r.billable_hours),
                ])?;
            }
            w.flush()?;
        }
        Format::Table => {
            if rows.is_empty() {
                writeln!(out, "no agent worked a ticket in the period")?;
                return Ok(());
            }
            writeln!(
                out,
                "{:<16} {:>7} {:>8} {:>14} {:>14} {:>7} {:>10} {:>8}",
                "agent",
                "claimed",
                "resolved",
                "first resp.",
                "resolution",
                "SLA met",
                "CSAT",
                "hours"
            )?;
            let dash = |s: String| if s.is_empty() { "—".to_string() } else { s };
            for r in &rows {
                let csat = match r.csat_average {
                    Some(a) => format!("{a:.2} ({})", r.csat_count),
                    None => "—".into(),
                };
                writeln!(
                    out,
                    "{:<16} {:>7} {:>8} {:>14} {:>14} {:>7} {:>10} {:>8.2}",
                    r.agent,
                    r.claimed,
                    r.resolved,
                    minutes(r.median_first_response_min),
                    minutes(r.median_resolution_min),
                    dash(
                        num(r.sla_met.map(|s| s * 100.0), 0)
                            + if r.sla_met.is_some() { "%" } else { "" }
                    ),
                    csat,
                    r.billable_hours
                )?;
            }
            writeln!(out, "(times are business time, in the desk's calendar)")?;
        }
    }
    Ok(())
}

/// A figure per organisation, as a table or CSV.
fn by_org<T>(
    rows: &[(String, T)],
    format: Format,
    what: &str,
    shown: impl Fn(&T) -> String,
    out: impl Write,
) -> anyhow::Result<()> {
    let name = |o: &str| {
        if o.is_empty() {
            "(no organisation)".to_string()
        } else {
            o.to_string()
        }
    };
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(["org", what])?;
            for (o, v) in rows {
                w.write_record([name(o), shown(v)])?;
            }
            w.flush()?;
        }
        Format::Table => {
            let mut out = out;
            if rows.is_empty() {
                writeln!(out, "no {what} in the period")?;
            }
            for (o, v) in rows {
                writeln!(out, "{:<32} {:>10} {what}", name(o), shown(v))?;
            }
        }
    }
    Ok(())
}

/// Billable hours by requester and agent.
async fn hours(
    store: &frontline_core::Store,
    period: &Period,
    format: Format,
    mut out: impl Write,
) -> anyhow::Result<()> {
    let (f, t) = period.millis()?;
    let rows = store.hours_report(f, t).await?;
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(["requester", "agent", "hours"])?;
            for r in &rows {
                w.write_record([
                    r.requester.as_str(),
                    r.agent.as_str(),
                    &format!("{:.2}", r.hours),
                ])?;
            }
            w.flush()?;
        }
        Format::Table => {
            if rows.is_empty() {
                writeln!(out, "no billable hours in the period")?;
            }
            for r in &rows {
                writeln!(
                    out,
                    "{:<24} {:<16} {:>8.2} h",
                    r.requester, r.agent, r.hours
                )?;
            }
        }
    }
    Ok(())
}

/// Targets met per priority.
async fn sla(
    store: &frontline_core::Store,
    period: &Period,
    format: Format,
    mut out: impl Write,
) -> anyhow::Result<()> {
    let (f, t) = period.millis()?;
    let rows = store
        .sla_report(f, t, chrono::Utc::now().timestamp_millis())
        .await?;
    let pct = |r: Option<f64>| r.map_or(String::new(), |r| format!("{:.1}", r * 100.0));
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "priority",
                "tickets",
                "first_response_met_pct",
                "first_response_measured",
                "resolution_met_pct",
                "resolution_measured",
                "breached",
            ])?;
            for r in &rows {
                w.write_record([
                    r.priority.clone(),
                    r.tickets.to_string(),
                    pct(r.first_rate()),
                    r.first_measured.to_string(),
                    pct(r.resolution_rate()),
                    r.resolution_measured.to_string(),
                    r.breached.to_string(),
                ])?;
            }
            w.flush()?;
        }
        Format::Table => {
            if rows.is_empty() {
                writeln!(out, "no tickets in the period")?;
            } else {
                writeln!(
                    out,
                    "{:<10} {:>7}  {:>15}  {:>15}  {:>8}",
                    "priority", "tickets", "first response", "resolution", "breached"
                )?;
            }
            let shown = |rate: Option<f64>, n: i64| match rate {
                Some(r) => format!("{:.1}% of {n}", r * 100.0),
                None => "—".to_string(),
            };
            for r in &rows {
                writeln!(
                    out,
                    "{:<10} {:>7}  {:>15}  {:>15}  {:>8}",
                    r.priority,
                    r.tickets,
                    shown(r.first_rate(), r.first_measured),
                    shown(r.resolution_rate(), r.resolution_measured),
                    r.breached
                )?;
            }
        }
    }
    Ok(())
}

/// How many questions the knowledge base answered without a ticket, and what to write next.
async fn deflection(
    store: &frontline_core::Store,
    period: &Period,
    mut out: impl Write,
) -> anyhow::Result<()> {
    let (f, t) = period.millis()?;
    let r = store.deflection_report(f, t).await?;
    writeln!(out, "questions: {}", r.questions)?;
    writeln!(
        out,
        "answered without a ticket: {:.1}% ({} confirmed helped, {} without feedback)",
        r.deflection_rate * 100.0,
        r.helped,
        r.answered_no_feedback
    )?;
    writeln!(out, "became tickets: {}", r.tickets)?;
    if !r.top_unanswered.is_empty() {
        writeln!(
            out,
            "questions that most often became tickets (write these next):"
        )?;
        for (q, n) in &r.top_unanswered {
            writeln!(out, "  {n} × {q}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_include_the_last_day_and_refuse_bad_dates() {
        let (f, t) = period(Some("2026-12-01"), Some("2026-12-01")).expect("valid");
        assert_eq!(t - f, DAY_MS);
        assert!(period(Some("01.12.2026"), None).is_err());
        assert!(period(Some("2026-12-02"), Some("2026-12-01")).is_err());
    }
}
