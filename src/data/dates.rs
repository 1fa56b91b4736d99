//! Invoice dates as people export them: ISO, US (`12/1/2010 8:26`) and day-first
//! (`01/12/2010 08:26`), with or without seconds, with two- or four-digit years. Whether
//! `01/02` means the 1st of February or January the 2nd is decided once for the whole column,
//! never guessed row by row.

use chrono::NaiveDate;
use rayon::prelude::*;

/// How the day and month are ordered in a column of dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// `2010-12-01 08:26:00` (year first).
    Iso,
    /// `12/1/2010 8:26` (month first).
    MonthFirst,
    /// `01/12/2010 08:26` (day first).
    DayFirst,
}

impl DateOrder {
    /// A few characters for narrow screens.
    pub fn short(self) -> &'static str {
        match self {
            DateOrder::Iso => "ISO dates",
            DateOrder::MonthFirst => "US dates",
            DateOrder::DayFirst => "day-first dates",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DateOrder::Iso => "ISO (year-month-day)",
            DateOrder::MonthFirst => "US (month/day/year)",
            DateOrder::DayFirst => "day-first (day/month/year)",
        }
    }
}

/// `2010-12-01 08:26` (or `08:26:00` with seconds) from seconds since 1970.
pub fn format_seconds(seconds: i64, with_seconds: bool) -> String {
    let days = seconds.div_euclid(86_400);
    let time = seconds.rem_euclid(86_400);
    let date = NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|epoch| epoch.checked_add_signed(chrono::TimeDelta::days(days)))
        .unwrap_or_default();
    let clock = format!("{:02}:{:02}", time / 3600, time % 3600 / 60);
    if with_seconds {
        format!("{} {clock}:{:02}", date.format("%Y-%m-%d"), time % 60)
    } else {
        format!("{} {clock}", date.format("%Y-%m-%d"))
    }
}

/// A date split into its numbers before the day/month order is known.
#[derive(Debug, Clone, Copy)]
struct Parts {
    year_first: bool,
    first: u32,
    second: u32,
    third: u32,
    hour: u32,
    minute: u32,
    second_of_minute: u32,
}

/// Why a column of dates could not be read: the 0-based index of the first bad value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError {
    pub index: usize,
    pub reason: String,
}

impl DateError {
    fn new(index: usize, reason: impl Into<String>) -> DateError {
        DateError {
            index,
            reason: reason.into(),
        }
    }
}

/// Reads every value as seconds since 1970-01-01 00:00 (local shop time, no zone).
/// Empty values become `None`; anything else unreadable is an error naming its index.
///
/// The lines of one invoice share a time, so each run of equal values is read once.
pub fn parse_column<'a>(
    values: impl ExactSizeIterator<Item = Option<&'a str>>,
) -> Result<(Vec<Option<i64>>, DateOrder), DateError> {
    let rows = values.len();
    let mut runs: Vec<Run<'a>> = Vec::new();
    for (index, value) in values.enumerate() {
        let value = value.map_or("", str::trim);
        match runs.last_mut() {
            Some(run) if run.text == value => run.rows += 1,
            _ => runs.push(Run {
                start: index,
                rows: 1,
                text: value,
            }),
        }
    }
    let parts: Vec<Option<Parts>> = runs
        .par_iter()
        .map(|run| match run.text {
            "" => Ok(None),
            text => split(text).map(Some).ok_or_else(|| {
                DateError::new(
                    run.start,
                    "expected a date such as 2010-12-01 08:26, 12/1/2010 8:26 or \
                     01/12/2010 08:26",
                )
            }),
        })
        // Gathered first, so that the first bad value in row order is the one reported.
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<Result<_, _>>()?;

    let order = decide_order(&runs, &parts)?;
    let mut seconds: Vec<Option<i64>> = Vec::with_capacity(rows);
    for (run, p) in runs.iter().zip(&parts) {
        let value = match p {
            None => None,
            Some(p) => Some(
                to_seconds(p, order)
                    .ok_or_else(|| DateError::new(run.start, "no such day or time"))?,
            ),
        };
        seconds.extend(std::iter::repeat_n(value, run.rows));
    }
    Ok((seconds, order))
}

/// Consecutive rows with the same text.
struct Run<'a> {
    /// Index of the first of them.
    start: usize,
    rows: usize,
    text: &'a str,
}

/// Picks the day/month order that fits every value. When every value fits both, sales logs
/// being written in order and in small steps decide: the reading under which the log runs
/// forward more often, then the one whose steps add up to less time (1 → 2 December rather
/// than 12 January → 12 February).
///
/// A column that mixes two styles is reported at the first value of the rarer style, with
/// an example of the common one: the rare values are the ones to fix. Values are counted
/// row by row; the rows of a run of one value step by zero, which favours neither order.
fn decide_order(runs: &[Run], parts: &[Option<Parts>]) -> Result<DateOrder, DateError> {
    let dated: Vec<(&Run, &Parts)> = runs
        .iter()
        .zip(parts)
        .filter_map(|(run, p)| p.as_ref().map(|p| (run, p)))
        .collect();
    let count = |style: fn(&Parts) -> bool| {
        dated
            .iter()
            .filter(|(_, p)| style(p))
            .map(|(run, _)| run.rows)
            .sum::<usize>()
    };
    let first = |style: fn(&Parts) -> bool| dated.iter().find(|(_, p)| style(p)).map(|(r, _)| *r);
    let mixed = |common: (&str, fn(&Parts) -> bool), rare: (&str, fn(&Parts) -> bool)| {
        let reason = format!(
            "a {} date in a column of {} dates such as `{}`; write every date the same way",
            rare.0,
            common.0,
            first(common.1).map_or("", |run| run.text)
        );
        Err(DateError::new(
            first(rare.1).map_or(0, |run| run.start),
            reason,
        ))
    };

    let year_first: (&str, fn(&Parts) -> bool) = ("year-first", |p| p.year_first);
    let year_last: (&str, fn(&Parts) -> bool) = ("year-last", |p| !p.year_first);
    let starts_with_year = dated.first().is_none_or(|(_, p)| p.year_first);
    match (count(year_first.1), count(year_last.1)) {
        (_, 0) => return Ok(DateOrder::Iso),
        (0, _) => {}
        (a, b) if a > b || (a == b && starts_with_year) => return mixed(year_first, year_last),
        _ => return mixed(year_last, year_first),
    }

    if let Some((run, _)) = dated.iter().find(|(_, p)| p.first > 12 && p.second > 12) {
        return Err(DateError::new(
            run.start,
            "no such day or month: neither of the first two numbers can be the month",
        ));
    }
    let day_first: (&str, fn(&Parts) -> bool) = ("day-first", |p| p.first > 12);
    let month_first: (&str, fn(&Parts) -> bool) = ("month-first", |p| p.second > 12);
    match (count(day_first.1), count(month_first.1)) {
        (0, 0) => {}
        (_, 0) => return Ok(DateOrder::DayFirst),
        (0, _) => return Ok(DateOrder::MonthFirst),
        (a, b) if a >= b => return mixed(day_first, month_first),
        _ => return mixed(month_first, day_first),
    }

    let shape = |order| {
        let times: Vec<i64> = dated
            .iter()
            .filter_map(|(_, p)| to_seconds(p, order))
            .collect();
        let forward = times.windows(2).filter(|w| w[1] >= w[0]).count();
        let travelled: i64 = times.windows(2).map(|w| (w[1] - w[0]).abs()).sum();
        (forward, std::cmp::Reverse(travelled))
    };
    if shape(DateOrder::DayFirst) > shape(DateOrder::MonthFirst) {
        Ok(DateOrder::DayFirst)
    } else {
        Ok(DateOrder::MonthFirst)
    }
}

fn to_seconds(p: &Parts, order: DateOrder) -> Option<i64> {
    let (year, month, day) = match (p.year_first, order) {
        (true, _) => (p.first, p.second, p.third),
        (false, DateOrder::DayFirst) => (p.third, p.second, p.first),
        (false, _) => (p.third, p.first, p.second),
    };
    let year = match year {
        0..=68 => 2000 + year,
        69..=99 => 1900 + year,
        y => y,
    };
    if p.hour > 23 || p.minute > 59 || p.second_of_minute > 60 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let days = date
        .signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1)?)
        .num_days();
    Some(days * 86_400 + (p.hour * 3600 + p.minute * 60 + p.second_of_minute) as i64)
}

/// Splits `2010-12-01 08:26:00`, `12/1/2010 8:26`, `01.12.10 08:26 PM` and the like.
fn split(value: &str) -> Option<Parts> {
    let (date, time) = match value.find([' ', 'T']) {
        Some(i) => (&value[..i], value[i + 1..].trim()),
        None => (value, ""),
    };
    let separator = date.chars().find(|c| matches!(c, '-' | '/' | '.'))?;
    let mut fields = date.split(separator);
    let a = fields.next()?;
    let b = fields.next()?;
    let c = fields.next()?;
    if fields.next().is_some() {
        return None;
    }
    let year_first = a.len() == 4;
    let (first, second, third) = (number(a)?, number(b)?, number(c)?);

    let (hour, minute, second_of_minute) = split_time(time)?;
    Some(Parts {
        year_first,
        first,
        second,
        third,
        hour,
        minute,
        second_of_minute,
    })
}

fn split_time(time: &str) -> Option<(u32, u32, u32)> {
    if time.is_empty() {
        return Some((0, 0, 0));
    }
    let upper = time.to_ascii_uppercase();
    let (clock, meridiem) = if let Some(t) = upper.strip_suffix("PM") {
        (t.trim().to_string(), Some(12))
    } else if let Some(t) = upper.strip_suffix("AM") {
        (t.trim().to_string(), Some(0))
    } else {
        (upper, None)
    };
    // Fractions of a second and a trailing zone marker are ignored.
    let clock = clock.trim_end_matches('Z');
    let clock = clock.split('.').next()?;
    let mut fields = clock.split(':');
    let mut hour = number(fields.next()?)?;
    let minute = fields.next().map_or(Some(0), number)?;
    let second = fields.next().map_or(Some(0), number)?;
    if fields.next().is_some() {
        return None;
    }
    if let Some(offset) = meridiem {
        if hour == 0 || hour > 12 {
            return None;
        }
        hour = hour % 12 + offset;
    }
    Some((hour, minute, second))
}

fn number(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(values: &[&str]) -> Result<(Vec<Option<i64>>, DateOrder), DateError> {
        parse_column(
            values
                .iter()
                .map(|v| Some(*v))
                .collect::<Vec<_>>()
                .into_iter(),
        )
    }

    const DEC_1_0826: i64 = 1_291_191_960;

    #[test]
    fn iso_with_and_without_seconds() {
        let (s, order) = parse(&["2010-12-01 08:26:00", "2010-12-01 08:26"]).unwrap();
        assert_eq!(order, DateOrder::Iso);
        assert_eq!(s, vec![Some(DEC_1_0826), Some(DEC_1_0826)]);
    }

    #[test]
    fn us_dates_are_recognised_from_the_whole_column() {
        let (s, order) = parse(&["12/1/2010 8:26", "12/13/2010 9:00"]).unwrap();
        assert_eq!(order, DateOrder::MonthFirst);
        assert_eq!(s[0], Some(DEC_1_0826));
    }

    #[test]
    fn day_first_dates_and_two_digit_years() {
        let (s, order) = parse(&["01/12/10 08:26", "13/12/10 08:26"]).unwrap();
        assert_eq!(order, DateOrder::DayFirst);
        assert_eq!(s[0], Some(DEC_1_0826));
    }

    #[test]
    fn ambiguous_column_follows_the_order_of_the_log() {
        // Both readings run forward: 1, 2, 5 December or 12 January, February, May. The
        // day-first one moves in days, the month-first one in months.
        let (_, order) =
            parse(&["01/12/2010 08:26", "02/12/2010 08:26", "05/12/2010 08:26"]).unwrap();
        assert_eq!(order, DateOrder::DayFirst);
        let (_, order) = parse(&["12/1/2010 8:26", "12/2/2010 8:26", "12/5/2010 8:26"]).unwrap();
        assert_eq!(order, DateOrder::MonthFirst);
    }

    #[test]
    fn unreadable_value_names_its_index() {
        let err = parse(&["2010-12-01 08:26", "yesterday"]).unwrap_err();
        assert_eq!(err.index, 1);
        let err = parse(&["2010-02-30 08:26"]).unwrap_err();
        assert_eq!(err.index, 0);
    }

    #[test]
    fn a_mixed_column_is_reported_at_its_rarer_style() {
        let mut values = vec!["2010-12-01 08:26"; 12];
        values[9] = "31/31/2010 08:26";
        let err = parse(&values).unwrap_err();
        assert_eq!(err.index, 9);
        assert!(err.reason.contains("year-last date"), "{}", err.reason);
        assert!(err.reason.contains("`2010-12-01 08:26`"), "{}", err.reason);

        let err = parse(&["13/12/2010 08:26", "14/12/2010 08:26", "12/13/2010 08:26"]).unwrap_err();
        assert_eq!(err.index, 2);
        assert!(err.reason.contains("month-first date"), "{}", err.reason);
        assert!(err.reason.contains("`13/12/2010 08:26`"), "{}", err.reason);
    }

    #[test]
    fn a_value_with_no_month_is_reported_at_its_own_row() {
        let err = parse(&["12/1/2010 8:26", "12/2/2010 8:26", "31/31/2010 8:26"]).unwrap_err();
        assert_eq!(err.index, 2);
        assert!(
            err.reason.starts_with("no such day or month"),
            "{}",
            err.reason
        );
    }

    #[test]
    fn twelve_hour_clock() {
        let (s, _) = parse(&["12/1/2010 8:26 AM", "12/1/2010 8:26 PM"]).unwrap();
        assert_eq!(s[1].unwrap() - s[0].unwrap(), 12 * 3600);
    }
}
