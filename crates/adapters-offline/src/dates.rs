//! Date ranges in fact text ("2016-08 – Present", "Jan 2019 to Mar 2021", "2014–2016",
//! "since 2020") and the years of experience they add up to.

/// A calendar month. Ordering is chronological.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct YearMonth {
    pub(crate) year: i32,
    /// 1 to 12.
    pub(crate) month: u8,
}

impl YearMonth {
    pub(crate) fn new(year: i32, month: u8) -> Self {
        Self {
            year,
            month: month.clamp(1, 12),
        }
    }

    /// Months since year 0, so differences are month counts.
    fn ordinal(self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }

    /// Today, from the system clock (UTC).
    pub(crate) fn now() -> Self {
        let now = time::OffsetDateTime::now_utc();
        Self::new(now.year(), u8::from(now.month()))
    }
}

/// A span of employment; `end: None` means it is still going on ("Present").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateRange {
    pub(crate) start: YearMonth,
    pub(crate) end: Option<YearMonth>,
}

impl DateRange {
    pub(crate) fn is_current(&self) -> bool {
        self.end.is_none()
    }
}

/// Years before and after which a four-digit number is not taken for a year of someone's
/// career ("1000 users", "9000 requests/s").
const MIN_YEAR: i32 = 1950;
const MAX_YEAR: i32 = 2100;

const MONTHS: &[(&str, u8)] = &[
    ("jan", 1),
    ("january", 1),
    ("feb", 2),
    ("february", 2),
    ("mar", 3),
    ("march", 3),
    ("apr", 4),
    ("april", 4),
    ("may", 5),
    ("jun", 6),
    ("june", 6),
    ("jul", 7),
    ("july", 7),
    ("aug", 8),
    ("august", 8),
    ("sep", 9),
    ("sept", 9),
    ("september", 9),
    ("oct", 10),
    ("october", 10),
    ("nov", 11),
    ("november", 11),
    ("dec", 12),
    ("december", 12),
];

/// Words that stand for "still ongoing" at the end of a range.
const PRESENT_WORDS: &[&str] = &[
    "present",
    "current",
    "currently",
    "now",
    "today",
    "ongoing",
    "date",
];

/// Words that join the two ends of a range.
const RANGE_WORDS: &[&str] = &["to", "until", "till", "through", "thru"];

/// Dashes (and similar) that join the two ends of a range.
fn is_dash(c: char) -> bool {
    matches!(c, '-' | '–' | '—' | '−' | '‒' | '―' | '~')
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Num(String),
    Word(String),
    Punct(char),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Spanned {
    tok: Tok,
    /// Whether whitespace came right before it: "2016-08" is one date, "2016 - 08" is not.
    spaced: bool,
}

fn lex(text: &str) -> Vec<Spanned> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut spaced = true;
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            spaced = true;
            chars.next();
            continue;
        }
        let tok = if c.is_ascii_digit() {
            let mut s = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                s.push(d);
                chars.next();
            }
            Tok::Num(s)
        } else if c.is_alphabetic() {
            let mut s = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_alphabetic()) {
                s.extend(d.to_lowercase());
                chars.next();
            }
            Tok::Word(s)
        } else {
            chars.next();
            Tok::Punct(c)
        };
        out.push(Spanned { tok, spaced });
        spaced = false;
    }
    out
}

/// One thing the range parser sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Date(YearMonth),
    Present,
    Joiner,
    Since,
    Other,
}

fn year_of(s: &str) -> Option<i32> {
    if s.len() != 4 {
        return None;
    }
    s.parse::<i32>()
        .ok()
        .filter(|y| (MIN_YEAR..=MAX_YEAR).contains(y))
}

fn month_of(s: &str) -> Option<u8> {
    if s.is_empty() || s.len() > 2 {
        return None;
    }
    s.parse::<u8>().ok().filter(|m| (1..=12).contains(m))
}

fn month_name(s: &str) -> Option<u8> {
    MONTHS.iter().find(|(name, _)| *name == s).map(|(_, m)| *m)
}

/// Reads the lexed text as dates, "present" words, joiners and other stuff.
fn items(toks: &[Spanned]) -> Vec<Item> {
    let mut out = Vec::new();
    let mut i = 0;
    let num = |j: usize| match toks.get(j) {
        Some(Spanned {
            tok: Tok::Num(n), ..
        }) => Some(n.as_str()),
        _ => None,
    };
    // A date separator glued to both neighbours: "2016-08", "08/2016", "2016.08".
    let glued_sep = |j: usize| {
        matches!(
            toks.get(j),
            Some(Spanned {
                tok: Tok::Punct('-' | '/' | '.'),
                spaced: false
            })
        ) && toks.get(j + 1).is_some_and(|t| !t.spaced)
    };
    while let Some(t) = toks.get(i) {
        match &t.tok {
            Tok::Num(n) => {
                if let Some(year) = year_of(n) {
                    // YYYY-MM
                    if glued_sep(i + 1)
                        && let Some(month) = num(i + 2).and_then(month_of)
                    {
                        out.push(Item::Date(YearMonth::new(year, month)));
                        i += 3;
                        // YYYY-MM-DD: the day adds nothing to a count in years.
                        if glued_sep(i) && num(i + 1).is_some_and(|d| d.len() <= 2) {
                            i += 2;
                        }
                        continue;
                    }
                    out.push(Item::Date(YearMonth::new(year, 1)));
                } else if let Some(month) = month_of(n) {
                    // MM/YYYY
                    if glued_sep(i + 1)
                        && let Some(year) = num(i + 2).and_then(year_of)
                    {
                        out.push(Item::Date(YearMonth::new(year, month)));
                        i += 3;
                        continue;
                    }
                    out.push(Item::Other);
                } else {
                    out.push(Item::Other);
                }
            }
            Tok::Word(w) => {
                if let Some(month) = month_name(w) {
                    // "Jan 2019", "Jan. 2019", "January, 2019"
                    let mut j = i + 1;
                    if matches!(
                        toks.get(j),
                        Some(Spanned {
                            tok: Tok::Punct('.' | ','),
                            ..
                        })
                    ) {
                        j += 1;
                    }
                    if let Some(year) = num(j).and_then(year_of) {
                        out.push(Item::Date(YearMonth::new(year, month)));
                        i = j + 1;
                        continue;
                    }
                    out.push(Item::Other);
                } else if PRESENT_WORDS.contains(&w.as_str()) {
                    out.push(Item::Present);
                } else if RANGE_WORDS.contains(&w.as_str()) {
                    out.push(Item::Joiner);
                } else if w == "since" || w == "from" {
                    out.push(Item::Since);
                } else {
                    out.push(Item::Other);
                }
            }
            Tok::Punct(c) if is_dash(*c) => out.push(Item::Joiner),
            // Brackets and commas around dates do not break a range.
            Tok::Punct('(' | ')' | '[' | ']' | ',' | ':' | ';' | '|') => {}
            Tok::Punct(_) => out.push(Item::Other),
        }
        i += 1;
    }
    out
}

/// All date ranges written in `text`. A lone "since 2020" counts as running to the present;
/// a lone date with nothing joined to it is not a range.
pub(crate) fn find_ranges(text: &str) -> Vec<DateRange> {
    let items = items(&lex(text));
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(item) = items.get(i) {
        match *item {
            Item::Date(start) => {
                // Date, one or more joiners ("–", "to"), then a date or "present".
                let mut j = i + 1;
                let mut joined = false;
                while items.get(j) == Some(&Item::Joiner) {
                    joined = true;
                    j += 1;
                }
                match items.get(j) {
                    Some(Item::Date(end)) if joined => {
                        out.push(DateRange {
                            start,
                            end: Some(*end),
                        });
                        i = j + 1;
                        continue;
                    }
                    Some(Item::Present) if joined => {
                        out.push(DateRange { start, end: None });
                        i = j + 1;
                        continue;
                    }
                    _ => {}
                }
                if i > 0 && items.get(i - 1) == Some(&Item::Since) {
                    out.push(DateRange { start, end: None });
                }
            }
            Item::Present | Item::Joiner | Item::Since | Item::Other => {}
        }
        i += 1;
    }
    out
}

/// Months covered by the ranges, overlaps counted once, ongoing ranges running to `today`.
/// Ranges that start in the future or end before they start are ignored.
pub(crate) fn covered_months(ranges: &[DateRange], today: YearMonth) -> i64 {
    let mut spans: Vec<(i64, i64)> = ranges
        .iter()
        .filter_map(|r| {
            // End months count in full: "2018-09 – 2021-02" then "2021-03 – …" leaves no gap.
            let start = r.start.ordinal();
            let end = r.end.unwrap_or(today).min(today).ordinal() + 1;
            (start < end).then_some((start, end))
        })
        .collect();
    spans.sort_unstable();
    let mut total = 0;
    let mut current: Option<(i64, i64)> = None;
    for (start, end) in spans {
        current = match current {
            Some((s, e)) if start <= e => Some((s, e.max(end))),
            Some((s, e)) => {
                total += e - s;
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    if let Some((s, e)) = current {
        total += e - s;
    }
    total
}

/// Whole years of experience, rounded to the nearest year, and the year it began; `None` when
/// no range could be read.
pub(crate) fn years_of_experience(ranges: &[DateRange], today: YearMonth) -> Option<(i64, i32)> {
    let since = ranges
        .iter()
        .map(|r| r.start)
        .filter(|s| *s <= today)
        .min()?;
    let months = covered_months(ranges, today);
    Some(((months + 6) / 12, since.year))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ym(year: i32, month: u8) -> YearMonth {
        YearMonth::new(year, month)
    }

    #[test]
    fn reads_iso_month_ranges_to_present() {
        assert_eq!(
            find_ranges("Senior Backend Engineer at Northwind (2016-08 – Present)"),
            vec![DateRange {
                start: ym(2016, 8),
                end: None
            }]
        );
    }

    #[test]
    fn reads_common_range_spellings() {
        let cases: &[(&str, DateRange)] = &[
            (
                "2014-02 - 2016-07",
                DateRange {
                    start: ym(2014, 2),
                    end: Some(ym(2016, 7)),
                },
            ),
            (
                "Jan 2019 to Mar 2021",
                DateRange {
                    start: ym(2019, 1),
                    end: Some(ym(2021, 3)),
                },
            ),
            (
                "September, 2019 – June 2020",
                DateRange {
                    start: ym(2019, 9),
                    end: Some(ym(2020, 6)),
                },
            ),
            (
                "2012–2015",
                DateRange {
                    start: ym(2012, 1),
                    end: Some(ym(2015, 1)),
                },
            ),
            (
                "03/2018 — now",
                DateRange {
                    start: ym(2018, 3),
                    end: None,
                },
            ),
            (
                "since 2020",
                DateRange {
                    start: ym(2020, 1),
                    end: None,
                },
            ),
            (
                "from 2019-04 until current",
                DateRange {
                    start: ym(2019, 4),
                    end: None,
                },
            ),
            (
                "(2017-01 – 2018-12, Berlin)",
                DateRange {
                    start: ym(2017, 1),
                    end: Some(ym(2018, 12)),
                },
            ),
            (
                "2022-01-10 – Present",
                DateRange {
                    start: ym(2022, 1),
                    end: None,
                },
            ),
            (
                "2019-03-01 to 2021-12-31",
                DateRange {
                    start: ym(2019, 3),
                    end: Some(ym(2021, 12)),
                },
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(find_ranges(text), vec![*expected], "{text}");
        }
    }

    #[test]
    fn ignores_numbers_that_are_not_dates() {
        assert!(find_ranges("Served 9000 requests/s for 1000 customers").is_empty());
        assert!(find_ranges("Graduated 2015").is_empty());
        assert!(find_ranges("").is_empty());
        assert!(find_ranges("🙂 – – Present").is_empty());
    }

    #[test]
    fn counts_years_with_overlaps_once() {
        let today = ym(2025, 11);
        let ranges = [
            DateRange {
                start: ym(2016, 8),
                end: Some(ym(2019, 2)),
            },
            // Starts the month after the last one ended: no gap.
            DateRange {
                start: ym(2019, 3),
                end: None,
            },
            // Overlaps the first job: not counted twice.
            DateRange {
                start: ym(2017, 1),
                end: Some(ym(2018, 1)),
            },
        ];
        assert_eq!(years_of_experience(&ranges, today), Some((9, 2016)));
    }

    #[test]
    fn gaps_are_not_counted() {
        let today = ym(2025, 1);
        let ranges = [
            DateRange {
                start: ym(2010, 1),
                end: Some(ym(2012, 1)),
            },
            DateRange {
                start: ym(2020, 1),
                end: None,
            },
        ];
        assert_eq!(covered_months(&ranges, today), 25 + 61);
        assert_eq!(years_of_experience(&ranges, today), Some((7, 2010)));
    }

    #[test]
    fn future_and_backwards_ranges_are_ignored() {
        let today = ym(2025, 1);
        let ranges = [
            DateRange {
                start: ym(2030, 1),
                end: None,
            },
            DateRange {
                start: ym(2020, 1),
                end: Some(ym(2019, 1)),
            },
        ];
        assert_eq!(covered_months(&ranges, today), 0);
        assert_eq!(years_of_experience(&[], today), None);
    }
}
