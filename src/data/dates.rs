//! Invoice dates as people export them: ISO, US (`12/1/2010 8:26`) and day-first
//! (`01/12/2010 08:26`), with or without seconds, with two- or four-digit years. Whether
//! `01/02` means the 1st of February or January the 2nd is decided once for the whole column,
//! never guessed row by row.

use chrono::NaiveDate;

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
    pub reason: &'static str,
}

/// Reads every value as seconds since 1970-01-01 00:00 (local shop time, no zone).
/// Empty values become `None`; anything else unreadable is an error naming its index.
pub fn parse_column<'a>(
    values: impl ExactSizeIterator<Item = Option<&'a str>>,
) -> Result<(Vec<Option<i64>>, DateOrder), DateError> {
    let mut parts = Vec::with_capacity(values.len());
    for (index, value) in values.enumerate() {
        let value = value.map(str::trim).filter(|v| !v.is_empty());
        match value {
            None => parts.push(None),
            Some(v) => match split(v) {
                Some(p) => parts.push(Some(p)),
                None => {
                    return Err(DateError {
                        index,
                        reason: "expected a date such as 2010-12-01 08:26, 12/1/2010 8:26 or 01/12/2010 08:26",
                    })
                }
            },
        }
    }

    let order = decide_order(&parts)?;
    let mut seconds = Vec::with_capacity(parts.len());
    for (index, p) in parts.iter().enumerate() {
        match p {
            None => seconds.push(None),
            Some(p) => match to_seconds(p, order) {
                Some(s) => seconds.push(Some(s)),
                None => {
                    return Err(DateError {
                        index,
                        reason: "no such day or time",
                    })
                }
            },
        }
    }
    Ok((seconds, order))
}

/// Picks the day/month order that fits every value. When every value fits both, sales logs
/// being written in order and in small steps decide: the reading under which the log runs
/// forward more often, then the one whose steps add up to less time (1 → 2 December rather
/// than 12 January → 12 February).
fn decide_order(parts: &[Option<Parts>]) -> Result<DateOrder, DateError> {
    let slashed: Vec<(usize, &Parts)> = parts
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.as_ref().map(|p| (i, p)))
        .collect();
    if let Some((index, _)) = slashed
        .iter()
        .find(|(_, p)| p.year_first)
        .filter(|_| slashed.iter().any(|(_, p)| !p.year_first))
    {
        return Err(DateError {
            index: *index,
            reason: "the column mixes year-first and year-last dates",
        });
    }
    if slashed.first().is_none_or(|(_, p)| p.year_first) {
        return Ok(DateOrder::Iso);
    }

    let day_first_seen = slashed.iter().find(|(_, p)| p.first > 12);
    let month_first_seen = slashed.iter().find(|(_, p)| p.second > 12);
    match (day_first_seen, month_first_seen) {
        (Some(_), Some((index, _))) => Err(DateError {
            index: *index,
            reason: "the column mixes day-first and month-first dates",
        }),
        (Some(_), None) => Ok(DateOrder::DayFirst),
        (None, Some(_)) => Ok(DateOrder::MonthFirst),
        (None, None) => {
            let shape = |order| {
                let times: Vec<i64> = slashed
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
    fn twelve_hour_clock() {
        let (s, _) = parse(&["12/1/2010 8:26 AM", "12/1/2010 8:26 PM"]).unwrap();
        assert_eq!(s[1].unwrap() - s[0].unwrap(), 12 * 3600);
    }
}
