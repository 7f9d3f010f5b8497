//! Business time: a desk's working hours in its own time zone, with holidays, and the
//! arithmetic service levels are counted in ("4 business hours after Friday 16:30").
//!
//! Working periods are local times; each day's periods are turned into UTC instants with the
//! zone's rules for that date, so a DST change moves them with the clock on the wall. All
//! arithmetic is in milliseconds on UTC instants: business time is a measure on the time
//! line (the length of its overlap with working periods), so adding is additive and
//! monotone, and `business_ms(start, add(start, d)) == d`.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// How far ahead arithmetic looks for working time before giving up (a calendar of nothing
/// but holidays).
const MAX_DAYS: u64 = 366 * 20;

const MINUTE_MS: i64 = 60_000;

/// A mistake in a calendar's definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("unknown time zone `{0}` (use an IANA name such as Europe/Berlin)")]
    Zone(String),
    #[error("`{0}` is not a period: write HH:MM-HH:MM, such as 09:00-13:00")]
    Period(String),
    #[error("periods of {0} overlap or are out of order")]
    Overlap(&'static str),
    #[error("the week has no working hours")]
    NoHours,
    #[error("`{0}` is not a date (YYYY-MM-DD)")]
    Date(String),
    #[error("the iCalendar file cannot be read: {0}")]
    Ics(String),
    #[error("`{0}` is not a duration: write 30m, 4h, 1h30m or 3d (business days)")]
    Duration(String),
}

/// A working period of a day, in local time; `end` may be 24:00 (written `24:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: NaiveTime,
    /// `None` means midnight at the end of the day.
    pub end: Option<NaiveTime>,
}

impl Period {
    /// Parses `HH:MM-HH:MM`.
    ///
    /// # Errors
    /// [`CalendarError::Period`].
    pub fn parse(s: &str) -> Result<Period, CalendarError> {
        let bad = || CalendarError::Period(s.to_string());
        let (a, b) = s.trim().split_once('-').ok_or_else(bad)?;
        let start = NaiveTime::parse_from_str(a.trim(), "%H:%M").map_err(|_| bad())?;
        let end = match b.trim() {
            "24:00" => None,
            e => Some(NaiveTime::parse_from_str(e, "%H:%M").map_err(|_| bad())?),
        };
        if end.is_some_and(|e| e <= start) {
            return Err(bad());
        }
        Ok(Period { start, end })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.end {
            Some(e) => write!(f, "{}-{}", self.start.format("%H:%M"), e.format("%H:%M")),
            None => write!(f, "{}-24:00", self.start.format("%H:%M")),
        }
    }
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A desk's working time: a time zone, periods per weekday, holidays.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessCalendar {
    tz: Tz,
    /// Monday first.
    week: [Vec<Period>; 7],
    holidays: BTreeSet<NaiveDate>,
}

impl BusinessCalendar {
    /// # Errors
    /// When periods of a day overlap or are out of order, or the week has none.
    pub fn new(
        tz: Tz,
        week: [Vec<Period>; 7],
        holidays: BTreeSet<NaiveDate>,
    ) -> Result<Self, CalendarError> {
        for (day, periods) in week.iter().enumerate() {
            for pair in periods.windows(2) {
                match pair[0].end {
                    Some(end) if end <= pair[1].start => {}
                    _ => return Err(CalendarError::Overlap(DAY_NAMES[day])),
                }
            }
        }
        if week.iter().all(Vec::is_empty) {
            return Err(CalendarError::NoHours);
        }
        Ok(BusinessCalendar { tz, week, holidays })
    }

    /// Monday to Friday, 09:00–18:00, in `tz`, no holidays.
    pub fn office(tz: Tz) -> Self {
        let day = vec![Period {
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
            end: NaiveTime::from_hms_opt(18, 0, 0),
        }];
        let week = std::array::from_fn(|d| if d < 5 { day.clone() } else { Vec::new() });
        BusinessCalendar {
            tz,
            week,
            holidays: BTreeSet::new(),
        }
    }

    /// Every hour of every day: for service that never stops.
    pub fn always(tz: Tz) -> Self {
        let day = vec![Period {
            start: NaiveTime::MIN,
            end: None,
        }];
        BusinessCalendar {
            tz,
            week: std::array::from_fn(|_| day.clone()),
            holidays: BTreeSet::new(),
        }
    }

    /// Parses an IANA zone name.
    ///
    /// # Errors
    /// [`CalendarError::Zone`].
    pub fn zone(name: &str) -> Result<Tz, CalendarError> {
        name.parse::<Tz>()
            .map_err(|_| CalendarError::Zone(name.to_string()))
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    pub fn add_holidays(&mut self, days: impl IntoIterator<Item = NaiveDate>) {
        self.holidays.extend(days);
    }

    /// Whether `date` has working hours.
    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        !self.holidays.contains(&date) && !self.periods_of(date).is_empty()
    }

    fn periods_of(&self, date: NaiveDate) -> &[Period] {
        if self.holidays.contains(&date) {
            return &[];
        }
        &self.week[date.weekday().num_days_from_monday() as usize]
    }

    /// The UTC instant of a local wall-clock time. In the hour a DST change skips, the time
    /// does not exist: the first instant after the gap stands in; in the hour it repeats,
    /// the earlier one counts.
    fn instant(&self, date: NaiveDate, time: Option<NaiveTime>) -> i64 {
        let local = match time {
            Some(t) => date.and_time(t),
            None => match date.checked_add_days(Days::new(1)) {
                Some(next) => next.and_time(NaiveTime::MIN),
                None => return i64::MAX,
            },
        };
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.timestamp_millis(),
            LocalResult::None => {
                // Gaps are at most an hour or two; step in minutes until the wall clock exists.
                let mut probe = local;
                for _ in 0..180 {
                    probe += chrono::Duration::minutes(1);
                    if let Some(t) = self.tz.from_local_datetime(&probe).earliest() {
                        return t.timestamp_millis();
                    }
                }
                Utc.from_utc_datetime(&local).timestamp_millis()
            }
        }
    }

    fn local_date(&self, ms: i64) -> NaiveDate {
        DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .with_timezone(&self.tz)
            .date_naive()
    }

    /// Working intervals (UTC ms, start < end) that end after `from`, in order, one day at
    /// a time starting the day before `from`'s local date (a period can cross into it).
    fn intervals_from(&self, from: i64) -> impl Iterator<Item = (i64, i64)> + '_ {
        let first = self.local_date(from).pred_opt().unwrap_or(NaiveDate::MIN);
        first
            .iter_days()
            .take(MAX_DAYS as usize)
            .flat_map(move |date| {
                self.periods_of(date)
                    .iter()
                    .map(move |p| (self.instant(date, Some(p.start)), self.instant(date, p.end)))
            })
            .filter(move |&(s, e)| s < e && e > from)
    }

    /// The instant `business_ms` of working time after `start` (`start` itself for zero).
    /// When the calendar has no working time for 20 years, the last instant looked at.
    pub fn add_ms(&self, start: i64, business_ms: i64) -> i64 {
        let mut left = business_ms.max(0);
        if left == 0 {
            return start;
        }
        let mut last = start;
        for (s, e) in self.intervals_from(start) {
            let s = s.max(start);
            if e - s >= left {
                return s + left;
            }
            left -= e - s;
            last = e;
        }
        last
    }

    /// When the desk is next open from `at`: `at` itself during working hours.
    pub fn next_open(&self, at: i64) -> i64 {
        self.intervals_from(at)
            .next()
            .map_or(at, |(start, _)| start.max(at))
    }

    /// [`Self::add_ms`] in minutes.
    pub fn add_minutes(&self, start: i64, minutes: i64) -> i64 {
        self.add_ms(start, minutes.saturating_mul(MINUTE_MS))
    }

    /// Working time between `a` and `b` (0 when `b` is not after `a`), in milliseconds.
    pub fn business_ms(&self, a: i64, b: i64) -> i64 {
        if b <= a {
            return 0;
        }
        let mut total = 0;
        for (s, e) in self.intervals_from(a) {
            if s >= b {
                break;
            }
            total += e.min(b) - s.max(a);
        }
        total
    }

    /// The same local time of day `days` business days after `start`: "closes after 5
    /// business days" means on the 5th working day after, at the hour it started waiting.
    pub fn add_business_days(&self, start: i64, days: u32) -> i64 {
        let from = DateTime::from_timestamp_millis(start)
            .unwrap_or_default()
            .with_timezone(&self.tz);
        let mut date = from.date_naive();
        let mut counted = 0;
        for _ in 0..MAX_DAYS {
            if counted == days {
                break;
            }
            date = match date.succ_opt() {
                Some(d) => d,
                None => break,
            };
            if self.is_business_day(date) {
                counted += 1;
            }
        }
        self.instant(date, Some(from.time()))
    }

    /// The longest working day of the week, in minutes: what "1d" means in a target.
    pub fn day_minutes(&self) -> i64 {
        self.week
            .iter()
            .map(|periods| {
                periods
                    .iter()
                    .map(|p| p.end.map_or(24 * 60, minutes_of) - minutes_of(p.start))
                    .sum::<i64>()
            })
            .max()
            .unwrap_or(0)
    }

    /// Parses a target: `30m`, `4h`, `1h30m`, or `3d` (business days of [`Self::day_minutes`]).
    ///
    /// # Errors
    /// [`CalendarError::Duration`].
    pub fn parse_duration(&self, s: &str) -> Result<i64, CalendarError> {
        parse_duration(s, self.day_minutes())
    }

    /// A local wall-clock view of an instant.
    pub fn local(&self, ms: i64) -> DateTime<Tz> {
        DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .with_timezone(&self.tz)
    }

    /// The UTC instant of a local date and time (see [`Self::instant`] for DST).
    pub fn at_local(&self, local: chrono::NaiveDateTime) -> i64 {
        self.instant(local.date(), Some(local.time()))
    }

    /// Holidays from an iCalendar file: every all-day event's days (DTEND exclusive), and
    /// the local dates of timed events.
    ///
    /// # Errors
    /// [`CalendarError::Ics`] when the text is not iCalendar.
    pub fn holidays_from_ics(text: &str) -> Result<Vec<NaiveDate>, CalendarError> {
        use icalendar::{Component, DatePerhapsTime};
        let cal: icalendar::Calendar = text.parse().map_err(CalendarError::Ics)?;
        // A timed event counts for the date it is written with.
        let date_of = |d: DatePerhapsTime| Some(d.date_naive());
        let mut days = Vec::new();
        for event in cal.events() {
            let Some(start) = event.get_start().and_then(date_of) else {
                continue;
            };
            let end = event
                .get_end()
                .and_then(date_of)
                .filter(|e| *e > start)
                .unwrap_or_else(|| start.succ_opt().unwrap_or(start));
            // A holiday is a day or a few; a "holiday" of months is a mistake in the file.
            days.extend(start.iter_days().take_while(|d| *d < end).take(31));
        }
        Ok(days)
    }
}

fn minutes_of(t: NaiveTime) -> i64 {
    use chrono::Timelike;
    i64::from(t.hour()) * 60 + i64::from(t.minute())
}

/// Parses `30m`, `4h`, `1h30m`, `2d` (days of `day_minutes`) into minutes.
///
/// # Errors
/// [`CalendarError::Duration`].
pub fn parse_duration(s: &str, day_minutes: i64) -> Result<i64, CalendarError> {
    let bad = || CalendarError::Duration(s.to_string());
    let mut total: i64 = 0;
    let mut number = String::new();
    let mut any = false;
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number.parse().map_err(|_| bad())?;
        number.clear();
        let unit = match c {
            'm' => 1,
            'h' => 60,
            'd' => day_minutes,
            _ => return Err(bad()),
        };
        total = total
            .checked_add(n.checked_mul(unit).ok_or_else(bad)?)
            .ok_or_else(bad)?;
        any = true;
    }
    if !number.is_empty() || !any || total <= 0 {
        return Err(bad());
    }
    Ok(total)
}

/// Parses `YYYY-MM-DD`.
///
/// # Errors
/// [`CalendarError::Date`].
pub fn parse_date(s: &str) -> Result<NaiveDate, CalendarError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| CalendarError::Date(s.to_string()))
}

/// The index (Monday = 0) of a three-letter weekday name.
pub fn weekday_index(name: &str) -> Option<usize> {
    DAY_NAMES.iter().position(|d| *d == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn berlin() -> BusinessCalendar {
        let tz = BusinessCalendar::zone("Europe/Berlin").expect("zone");
        let day = vec![
            Period::parse("09:00-13:00").expect("period"),
            Period::parse("14:00-18:00").expect("period"),
        ];
        let week = std::array::from_fn(|d| if d < 5 { day.clone() } else { Vec::new() });
        let holidays = [parse_date("2026-12-25").expect("date")].into();
        BusinessCalendar::new(tz, week, holidays).expect("calendar")
    }

    /// A Berlin wall-clock time as UTC ms.
    fn at(cal: &BusinessCalendar, s: &str) -> i64 {
        cal.at_local(chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("datetime"))
    }

    fn show(cal: &BusinessCalendar, ms: i64) -> String {
        cal.local(ms).format("%a %Y-%m-%d %H:%M").to_string()
    }

    #[test]
    fn four_business_hours_after_friday_afternoon_is_monday_morning() {
        let cal = berlin();
        // Fri 2026-12-04 16:30: 1.5 h left that day, 2.5 h on Monday from 09:00.
        let due = cal.add_minutes(at(&cal, "2026-12-04 16:30"), 4 * 60);
        assert_eq!(show(&cal, due), "Mon 2026-12-07 11:30");
    }

    #[test]
    fn the_lunch_break_does_not_count() {
        let cal = berlin();
        let due = cal.add_minutes(at(&cal, "2026-12-07 12:00"), 2 * 60);
        assert_eq!(show(&cal, due), "Mon 2026-12-07 15:00");
        // Starting in the break counts from 14:00.
        let due = cal.add_minutes(at(&cal, "2026-12-07 13:20"), 30);
        assert_eq!(show(&cal, due), "Mon 2026-12-07 14:30");
    }

    #[test]
    fn nights_weekends_and_holidays_are_skipped() {
        let cal = berlin();
        // Thu 24th at 17:00: one hour that day; the 25th is a holiday, then a weekend.
        let due = cal.add_minutes(at(&cal, "2026-12-24 17:00"), 3 * 60);
        assert_eq!(show(&cal, due), "Mon 2026-12-28 11:00");
        // From the middle of the night.
        let due = cal.add_minutes(at(&cal, "2026-12-08 02:00"), 60);
        assert_eq!(show(&cal, due), "Tue 2026-12-08 10:00");
        assert_eq!(
            cal.business_ms(at(&cal, "2026-12-24 17:00"), at(&cal, "2026-12-28 11:00")),
            3 * 3_600_000
        );
    }

    #[test]
    fn a_dst_change_keeps_working_hours_on_the_wall_clock() {
        // Berlin leaves summer time on Sun 2026-10-25; Fri 23rd 17:00 + 2 h = Mon 26th 10:00
        // local, though the UTC offset changed in between.
        let cal = berlin();
        let start = at(&cal, "2026-10-23 17:00");
        let due = cal.add_minutes(start, 120);
        assert_eq!(show(&cal, due), "Mon 2026-10-26 10:00");
        assert_eq!(cal.local(start).offset().to_string(), "CEST");
        assert_eq!(cal.local(due).offset().to_string(), "CET");
        // A calendar open around the clock: the night of the change is 25 hours long.
        let always = BusinessCalendar::always(cal.tz());
        assert_eq!(
            always.business_ms(at(&cal, "2026-10-24 12:00"), at(&cal, "2026-10-25 12:00")),
            25 * 3_600_000
        );
        // In spring the skipped hour does not exist and is not counted.
        assert_eq!(
            always.business_ms(at(&cal, "2026-03-28 12:00"), at(&cal, "2026-03-29 12:00")),
            23 * 3_600_000
        );
    }

    #[test]
    fn business_days_keep_the_time_of_day() {
        let cal = berlin();
        // Waiting since Tue 2026-12-22 10:00: the 25th is a holiday, then a weekend.
        let close = cal.add_business_days(at(&cal, "2026-12-22 10:00"), 5);
        assert_eq!(show(&cal, close), "Wed 2026-12-30 10:00");
        let close = cal.add_business_days(at(&cal, "2026-12-07 10:00"), 5);
        assert_eq!(show(&cal, close), "Mon 2026-12-14 10:00");
    }

    #[test]
    fn durations_and_periods_parse_or_say_why_not() {
        assert_eq!(parse_duration("30m", 540), Ok(30));
        assert_eq!(parse_duration("1h30m", 540), Ok(90));
        assert_eq!(parse_duration("3d", 540), Ok(1620));
        for bad in ["", "4", "h", "4x", "-4h", "0m", "99999999999999999999h"] {
            assert!(parse_duration(bad, 540).is_err(), "{bad}");
        }
        assert!(Period::parse("18:00-09:00").is_err());
        assert!(Period::parse("9-18").is_err());
        assert_eq!(
            Period::parse("22:00-24:00").expect("period").to_string(),
            "22:00-24:00"
        );
        let tz = BusinessCalendar::zone("Europe/Berlin").expect("zone");
        let overlapping = vec![
            Period::parse("09:00-13:00").expect("p"),
            Period::parse("12:00-18:00").expect("p"),
        ];
        let week = std::array::from_fn(|d| {
            if d == 0 {
                overlapping.clone()
            } else {
                Vec::new()
            }
        });
        assert_eq!(
            BusinessCalendar::new(tz, week, BTreeSet::new()),
            Err(CalendarError::Overlap("mon"))
        );
        assert!(BusinessCalendar::zone("Mars/Olympus").is_err());
        assert_eq!(berlin().day_minutes(), 480);
    }

    #[test]
    fn holidays_come_from_an_icalendar_file() {
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
BEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\nSUMMARY:Christmas\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:2\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20270101\r\nSUMMARY:New Year\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";
        let days = BusinessCalendar::holidays_from_ics(ics).expect("ics");
        let shown: Vec<String> = days.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            ["2026-12-24", "2026-12-25", "2026-12-26", "2027-01-01"]
        );
        assert!(BusinessCalendar::holidays_from_ics("not a calendar").is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn a_deadline_is_never_before_its_start_and_more_time_is_never_earlier(
            start in 1_767_225_600_000i64..1_830_297_600_000i64, // 2026..2028
            a in 0i64..20_000,
            b in 0i64..20_000,
        ) {
            let cal = berlin();
            let (small, large) = (a.min(b), a.max(b));
            let d_small = cal.add_minutes(start, small);
            let d_large = cal.add_minutes(start, large);
            prop_assert!(d_small >= start);
            prop_assert!(d_large >= d_small);
            // Business time from the start to the deadline is exactly what was added.
            prop_assert_eq!(cal.business_ms(start, d_large), large * MINUTE_MS);
        }

        #[test]
        fn adding_in_two_steps_is_adding_once(
            start in 1_767_225_600_000i64..1_830_297_600_000i64,
            a in 1i64..5_000,
            b in 1i64..5_000,
        ) {
            let cal = berlin();
            prop_assert_eq!(
                cal.add_minutes(cal.add_minutes(start, a), b),
                cal.add_minutes(start, a + b)
            );
        }
    }
}
