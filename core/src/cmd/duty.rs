//! `/duty`: who is on duty now and next, per line; `/duty take [line]`: the agent takes the
//! duty now, until the shift ends.

use crate::desk::{Acting, Desk, Done};
use crate::domain::Line;
use crate::error::UserError;
use crate::i18n::staff::{Ack, DutyRow};
use crate::rota::OnDuty;
use crate::store::Store;

/// A duty taken when the rota has no shift now lasts until the next one begins, or this long.
const TAKEN_WITHOUT_SHIFT_MS: i64 = 12 * 3_600_000;

/// What `/duty` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DutyCommand {
    Show,
    Take(Option<Line>),
}

pub(crate) fn parse(args: &str) -> Result<DutyCommand, &'static str> {
    let mut words = args.split_whitespace();
    let usage = "nothing, or take [2|3|4]";
    let cmd = match words.next().map(str::to_lowercase).as_deref() {
        None => DutyCommand::Show,
        Some("take") => match words.next() {
            None => DutyCommand::Take(None),
            Some(l) => DutyCommand::Take(Some(
                l.parse::<i64>()
                    .ok()
                    .filter(|n| (2..=4).contains(n))
                    .and_then(|n| Line::new(n).ok())
                    .ok_or(usage)?,
            )),
        },
        Some(_) => return Err(usage),
    };
    if words.next().is_some() {
        return Err(usage);
    }
    Ok(cmd)
}

/// Who is on duty for `line` at `now`: whoever took it, else the rota's.
pub(crate) async fn on_duty(
    desk: &mut Desk<'_>,
    line: Line,
    now: i64,
) -> crate::error::CoreResult<Option<OnDuty>> {
    if let Some(taken) = Store::duty_taken(desk.conn, line, now).await? {
        return Ok(Some(taken));
    }
    let cal = &desk.config.sla.calendar;
    Ok(desk
        .config
        .rotas
        .iter()
        .filter(|r| r.line == line)
        .find_map(|r| r.on_duty(now, cal)))
}

pub(crate) async fn run(a: &mut Acting<'_, '_, '_>, cmd: DutyCommand) -> Done {
    let now = a.turn.now;
    match cmd {
        DutyCommand::Show => {
            let mut lines: Vec<Line> = a.desk.config.rotas.iter().map(|r| r.line).collect();
            lines.extend(a.me.lines.iter().copied());
            lines.sort();
            lines.dedup();
            let lang = a.turn.person.lang;
            let mut rows = Vec::new();
            for line in lines {
                let current = on_duty(a.desk, line, now).await?;
                let cal = &a.desk.config.sla.calendar;
                let next = a
                    .desk
                    .config
                    .rotas
                    .iter()
                    .filter(|r| r.line == line)
                    .find_map(|r| r.next(current.as_ref().map_or(now, |c| c.until - 1), cal));
                let when = |ms: i64| a.desk.config.sla.when(ms, now, lang);
                rows.push(DutyRow {
                    line,
                    now: current.map(|c| (c.who, when(c.until))),
                    next: next.map(|(who, at)| (who, when(at))),
                });
            }
            a.turn.ack(Ack::Duty { rows: &rows });
        }
        DutyCommand::Take(line) => {
            let line = line
                .or_else(|| a.me.lines.first().copied())
                .unwrap_or(Line::AGENTS);
            if !a.me.works(line) {
                return Err(UserError::LineNotYours(line).into());
            }
            let cal = &a.desk.config.sla.calendar;
            let rota = a.desk.config.rotas.iter().find(|r| r.line == line);
            let until = rota
                .and_then(|r| {
                    r.on_duty(now, cal)
                        .map(|d| d.until)
                        .or_else(|| r.next(now, cal).map(|n| n.1))
                })
                .unwrap_or(now + TAKEN_WITHOUT_SHIFT_MS);
            Store::duty_take(a.desk.conn, line, &a.me.name, until).await?;
            let lang = a.turn.person.lang;
            let until = a.desk.config.sla.when(until, now, lang);
            a.turn.ack(Ack::DutyTaken {
                line,
                until: &until,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duty_commands_parse() {
        assert_eq!(parse(""), Ok(DutyCommand::Show));
        assert_eq!(parse("take"), Ok(DutyCommand::Take(None)));
        assert_eq!(parse("take 3"), Ok(DutyCommand::Take(Line::new(3).ok())));
        assert!(parse("take 9").is_err());
        assert!(parse("give").is_err());
        assert!(parse("take 2 now").is_err());
    }
}
