//! Who is on duty: per line, shifts by weekday and time of day (a 24/7 line handing over
//! between shifts), or a weekly rotation of names from a start date (one developer on
//! support duty a week). An agent may take the duty now (`/duty take`), until the shift ends.

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};

use crate::calendar::BusinessCalendar;
use crate::domain::Line;

/// One shift: on these weekdays, from `start` to `end` (local time; an `end` before
/// `start` runs past midnight), `who` is on duty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub days: Vec<Weekday>,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub who: String,
}

/// How a line's duty is planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    Shifts(Vec<Shift>),
    /// Week `k` after `start` (Monday-based) is `names[k % n]`'s.
    Weekly {
        start: NaiveDate,
        names: Vec<String>,
    },
}

/// One line's rota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rota {
    pub line: Line,
    pub plan: Plan,
}

/// Who is on duty, and until when (UTC ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnDuty {
    pub who: String,
    pub until: i64,
}

const DAY_MS: i64 = 86_400_000;

impl Rota {
    /// Who the plan puts on duty at `at`, with the end of their shift or week.
    pub fn on_duty(&self, at: i64, cal: &BusinessCalendar) -> Option<OnDuty> {
        let local = cal.local(at);
        match &self.plan {
            Plan::Weekly { start, names } if !names.is_empty() => {
                let days = (local.date_naive() - *start).num_days();
                if days < 0 {
                    return None;
                }
                let week = days / 7;
                let who = names[(week as usize) % names.len()].clone();
                let next_week = *start + chrono::Duration::days((week + 1) * 7);
                let until = cal.at_local(next_week.and_time(NaiveTime::MIN));
                Some(OnDuty { who, until })
            }
            Plan::Weekly { .. } => None,
            Plan::Shifts(shifts) => {
                // Today's shifts, and yesterday's that run past midnight.
                let today = local.date_naive();
                let yesterday = today.pred_opt()?;
                for day in [today, yesterday] {
                    for s in shifts.iter().filter(|s| s.days.contains(&day.weekday())) {
                        let from = cal.at_local(day.and_time(s.start));
                        let mut to = cal.at_local(day.and_time(s.end));
                        if s.end <= s.start {
                            to += DAY_MS;
                        }
                        if from <= at && at < to {
                            return Some(OnDuty {
                                who: s.who.clone(),
                                until: to,
                            });
                        }
                    }
                }
                None
            }
        }
    }

    /// Who comes on duty next after `at` (within a fortnight), and from when.
    pub fn next(&self, at: i64, cal: &BusinessCalendar) -> Option<(String, i64)> {
        let now = self.on_duty(at, cal);
        // Step through the coming two weeks by the quarter hour: plans are in whole minutes,
        // shifts are hours long.
        let mut t = now.as_ref().map_or(at, |d| d.until);
        let end = at + 14 * DAY_MS;
        while t < end {
            if let Some(d) = self.on_duty(t, cal)
                && now.as_ref().is_none_or(|n| n.who != d.who || t >= n.until)
            {
                return Some((d.who, t));
            }
            t += 15 * 60_000;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal() -> BusinessCalendar {
        BusinessCalendar::office(chrono_tz::Europe::Moscow)
    }

    fn at(s: &str) -> i64 {
        let local = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
        cal().at_local(local)
    }

    #[test]
    fn shifts_hand_over_across_midnight_and_the_weekend() {
        let t = |h: u32| NaiveTime::from_hms_opt(h, 0, 0).expect("time");
        let weekdays = vec![
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ];
        let rota = Rota {
            line: Line::AGENTS,
            plan: Plan::Shifts(vec![
                Shift {
                    days: weekdays.clone(),
                    start: t(8),
                    end: t(20),
                    who: "day".into(),
                },
                Shift {
                    days: weekdays,
                    start: t(20),
                    end: t(8),
                    who: "night".into(),
                },
                Shift {
                    days: vec![Weekday::Sat, Weekday::Sun],
                    start: t(10),
                    end: t(16),
                    who: "weekend".into(),
                },
            ]),
        };
        let c = cal();
        // 2026-12-01 is a Tuesday.
        assert_eq!(
            rota.on_duty(at("2026-12-01 12:00"), &c).map(|d| d.who),
            Some("day".into())
        );
        let night = rota.on_duty(at("2026-12-02 03:00"), &c).expect("night");
        assert_eq!(
            (night.who.as_str(), night.until),
            ("night", at("2026-12-02 08:00"))
        );
        // Friday's night shift runs into Saturday morning; Saturday 09:00 nobody; 10:00 weekend.
        assert_eq!(
            rota.on_duty(at("2026-12-05 07:00"), &c).map(|d| d.who),
            Some("night".into())
        );
        assert_eq!(rota.on_duty(at("2026-12-05 09:00"), &c), None);
        assert_eq!(
            rota.on_duty(at("2026-12-05 10:00"), &c).map(|d| d.who),
            Some("weekend".into())
        );
        assert_eq!(
            rota.next(at("2026-12-01 12:00"), &c),
            Some(("night".into(), at("2026-12-01 20:00")))
        );
        assert_eq!(
            rota.next(at("2026-12-05 09:00"), &c),
            Some(("weekend".into(), at("2026-12-05 10:00")))
        );
    }

    #[test]
    fn a_weekly_rotation_turns_on_mondays() {
        let rota = Rota {
            line: Line::new(3).expect("line"),
            plan: Plan::Weekly {
                start: NaiveDate::from_ymd_opt(2026, 11, 30).expect("date"),
                names: vec!["ivan".into(), "olga".into()],
            },
        };
        let c = cal();
        let now = rota.on_duty(at("2026-12-01 12:00"), &c).expect("duty");
        assert_eq!(
            (now.who.as_str(), now.until),
            ("ivan", at("2026-12-07 00:00"))
        );
        assert_eq!(
            rota.on_duty(at("2026-12-08 12:00"), &c).map(|d| d.who),
            Some("olga".into())
        );
        assert_eq!(
            rota.on_duty(at("2026-12-15 12:00"), &c).map(|d| d.who),
            Some("ivan".into())
        );
        assert_eq!(
            rota.on_duty(at("2026-11-29 12:00"), &c),
            None,
            "before it starts"
        );
        assert_eq!(
            rota.next(at("2026-12-01 12:00"), &c),
            Some(("olga".into(), at("2026-12-07 00:00")))
        );
    }
}
