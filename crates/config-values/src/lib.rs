//! How a setting written as text becomes a typed value.
//!
//! Environment variables are strings (`"2.5"`, `"a, b ,"`); a config file has real numbers and
//! lists. Each adapter here accepts both and refuses what is out of range with a message saying
//! what is expected, so the types that own settings (the chat use case, the socket, the limits,
//! the model adapter, the storage options) can derive `Deserialize` and be *parsed* straight from
//! the configuration, not checked afterwards. They are `serde_with` adapters: the field keeps its
//! plain type (`Duration`, `u32`, `Vec<IpAddr>`) and names its reading with
//! `#[serde_as(as = "Seconds<3600>")]`.
//!
//! Messages start with "must be", so a caller can put the variable's name in front of them.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;
use std::time::Duration;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde_with::DeserializeAs;

/// A number read from a number or from its text, trimmed.
enum Number {
    Whole(u64),
    Negative,
    Fraction(f64),
}

struct NumberVisitor<'a>(&'a str);

impl Visitor<'_> for NumberVisitor<'_> {
    type Value = Number;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
        Ok(Number::Whole(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
        Ok(u64::try_from(v).map_or(Number::Negative, Number::Whole))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
        Ok(Number::Fraction(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Number, E> {
        let text = v.trim();
        if let Ok(whole) = text.parse::<u64>() {
            return Ok(Number::Whole(whole));
        }
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Number::Fraction(n)),
            _ => Err(E::custom(format!("{} (got {v:?})", self.0))),
        }
    }
}

/// A whole number from `MIN` to `MAX`, into any integer type that holds it.
#[derive(Debug)]
pub struct Bounded<const MIN: u64, const MAX: u64>;

impl<'de, T, const MIN: u64, const MAX: u64> DeserializeAs<'de, T> for Bounded<MIN, MAX>
where
    T: TryFrom<u64>,
{
    fn deserialize_as<D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
        let expected = if MAX == u64::MAX {
            format!("must be a whole number of at least {MIN}")
        } else {
            format!("must be a whole number from {MIN} to {MAX}")
        };
        let shown = match deserializer.deserialize_any(NumberVisitor(&expected))? {
            Number::Whole(n) if (MIN..=MAX).contains(&n) => {
                return T::try_from(n).map_err(|_| de::Error::custom(&expected));
            }
            Number::Whole(n) => n.to_string(),
            Number::Negative => "a negative number".to_owned(),
            Number::Fraction(n) => n.to_string(),
        };
        Err(de::Error::custom(format!("{expected} (got {shown})")))
    }
}

/// A number of seconds, fractions allowed, above 0 and at most `MAX`.
#[derive(Debug)]
pub struct Seconds<const MAX: u64>;

impl<'de, const MAX: u64> DeserializeAs<'de, Duration> for Seconds<MAX> {
    fn deserialize_as<D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let expected = format!("must be a number of seconds above 0 and at most {MAX}");
        #[allow(clippy::cast_precision_loss)] // MAX is a few thousand seconds
        let seconds = match deserializer.deserialize_any(NumberVisitor(&expected))? {
            Number::Whole(n) => n as f64,
            Number::Negative => -1.0,
            Number::Fraction(n) => n,
        };
        #[allow(clippy::cast_precision_loss)]
        if seconds > 0.0 && seconds <= MAX as f64 {
            Ok(Duration::from_secs_f64(seconds))
        } else {
            Err(de::Error::custom(format!("{expected} (got {seconds})")))
        }
    }
}

/// Text with something in it besides spaces, trimmed.
#[derive(Debug)]
pub struct NonBlank;

impl<'de> DeserializeAs<'de, String> for NonBlank {
    fn deserialize_as<D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        let text: String = serde::Deserialize::deserialize(deserializer)?;
        let text = text.trim();
        if text.is_empty() {
            Err(de::Error::custom("must not be empty"))
        } else {
            Ok(text.to_owned())
        }
    }
}

/// Text that may be left blank: blank (or only spaces) is `None`, anything else is trimmed.
#[derive(Debug)]
pub struct OptionalText;

impl<'de> DeserializeAs<'de, Option<String>> for OptionalText {
    fn deserialize_as<D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
        let text: String = serde::Deserialize::deserialize(deserializer)?;
        let text = text.trim();
        Ok((!text.is_empty()).then(|| text.to_owned()))
    }
}

/// A list written as `"a, b ,c"` (items trimmed, blanks skipped) or, in a config file, as a
/// list; each item is parsed with its type's `FromStr`.
#[derive(Debug)]
pub struct CommaList;

struct CommaListVisitor<T>(PhantomData<T>);

impl<T> CommaListVisitor<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    fn item<E: de::Error>(text: &str) -> Result<Option<T>, E> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse()
            .map(Some)
            .map_err(|e| E::custom(format!("must be a comma list; cannot read {text:?} ({e})")))
    }
}

impl<'de, T> Visitor<'de> for CommaListVisitor<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a comma list")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<T>, E> {
        v.split(',')
            .filter_map(|item| Self::item(item).transpose())
            .collect()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut items = Vec::new();
        while let Some(text) = seq.next_element::<String>()? {
            items.extend(Self::item(&text)?);
        }
        Ok(items)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }
}

impl<'de, T> DeserializeAs<'de, Vec<T>> for CommaList
where
    T: FromStr,
    T::Err: fmt::Display,
{
    fn deserialize_as<D: Deserializer<'de>>(deserializer: D) -> Result<Vec<T>, D::Error> {
        deserializer.deserialize_any(CommaListVisitor(PhantomData))
    }
}

/// A setting that may be left blank: blank text (or only spaces, or no value) is `None`;
/// anything else is read with `A`, as in `#[serde_as(as = "Optional<Bounded<1, 36500>>")]`.
#[derive(Debug)]
pub struct Optional<A>(PhantomData<A>);

struct OptionalVisitor<T, A>(PhantomData<(T, A)>);

impl<'de, T, A> Visitor<'de> for OptionalVisitor<T, A>
where
    A: DeserializeAs<'de, T>,
{
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value, or nothing")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<T>, E> {
        if v.trim().is_empty() {
            return Ok(None);
        }
        A::deserialize_as(de::value::StrDeserializer::<E>::new(v)).map(Some)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<T>, E> {
        A::deserialize_as(de::value::U64Deserializer::<E>::new(v)).map(Some)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<T>, E> {
        A::deserialize_as(de::value::I64Deserializer::<E>::new(v)).map(Some)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<T>, E> {
        A::deserialize_as(de::value::F64Deserializer::<E>::new(v)).map(Some)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<T>, E> {
        A::deserialize_as(de::value::BoolDeserializer::<E>::new(v)).map(Some)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, T, A> DeserializeAs<'de, Option<T>> for Optional<A>
where
    A: DeserializeAs<'de, T>,
{
    fn deserialize_as<D: Deserializer<'de>>(deserializer: D) -> Result<Option<T>, D::Error> {
        deserializer.deserialize_any(OptionalVisitor::<T, A>(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::net::IpAddr;

    use serde::Deserialize;
    use serde_with::serde_as;

    use super::*;

    #[serde_as]
    #[derive(Debug, Deserialize)]
    struct Sample {
        #[serde_as(as = "Bounded<1, 65535>")]
        port: u16,
        #[serde_as(as = "Seconds<3600>")]
        timeout: Duration,
        #[serde_as(as = "CommaList")]
        proxies: Vec<IpAddr>,
        #[serde_as(as = "NonBlank")]
        model: String,
        #[serde_as(as = "OptionalText")]
        title: Option<String>,
    }

    fn read(json: &str) -> Result<Sample, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn text_and_numbers_read_alike() {
        let from_text = read(
            r#"{"port":" 8080","timeout":"2.5","proxies":"10.0.0.1, ::1 ,",
                "model":" a/b ","title":"  "}"#,
        )
        .unwrap();
        let from_numbers = read(
            r#"{"port":8080,"timeout":2.5,"proxies":["10.0.0.1","::1"],
                "model":"a/b","title":""}"#,
        )
        .unwrap();
        for s in [from_text, from_numbers] {
            assert_eq!(s.port, 8080);
            assert_eq!(s.timeout, Duration::from_millis(2500));
            assert_eq!(s.proxies.len(), 2);
            assert_eq!(s.model, "a/b");
            assert_eq!(s.title, None);
        }
    }

    #[test]
    fn out_of_range_values_say_what_is_expected() {
        let base = r#""timeout":1,"proxies":"","model":"m","title":"t""#;
        for (port, shown) in [
            ("0", "got 0"),
            ("\"eighty\"", "got \"eighty\""),
            ("-1", "negative"),
        ] {
            let err = read(&format!(r#"{{"port":{port},{base}}}"#)).unwrap_err();
            assert!(
                err.contains("must be a whole number from 1 to 65535"),
                "{err}"
            );
            assert!(err.contains(shown), "{err}");
        }
        let base = r#""port":1,"proxies":"","model":"m","title":"t""#;
        for timeout in ["0", "\"-3\"", "3601", "\"inf\"", "\"soon\""] {
            let err = read(&format!(r#"{{"timeout":{timeout},{base}}}"#)).unwrap_err();
            assert!(err.contains("must be a number of seconds above 0"), "{err}");
        }
        let err =
            read(r#"{"port":1,"timeout":1,"proxies":"10.0.0.1, nope","model":"m","title":""}"#)
                .unwrap_err();
        assert!(err.contains("cannot read \"nope\""), "{err}");
        let err =
            read(r#"{"port":1,"timeout":1,"proxies":"","model":"  ","title":""}"#).unwrap_err();
        assert!(err.contains("must not be empty"), "{err}");
    }

    #[serde_as]
    #[derive(Debug, Deserialize)]
    struct WithOptional {
        #[serde_as(as = "Optional<Bounded<1, 36500>>")]
        #[serde(default)]
        days: Option<u32>,
    }

    fn read_optional(json: &str) -> Result<Option<u32>, String> {
        serde_json::from_str::<WithOptional>(json)
            .map(|w| w.days)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn an_optional_setting_is_none_when_blank_and_read_otherwise() {
        for blank in [
            r#"{}"#,
            r#"{"days":""}"#,
            r#"{"days":"  "}"#,
            r#"{"days":null}"#,
        ] {
            assert_eq!(read_optional(blank), Ok(None), "{blank}");
        }
        assert_eq!(read_optional(r#"{"days":" 30 "}"#), Ok(Some(30)));
        assert_eq!(read_optional(r#"{"days":30}"#), Ok(Some(30)));
        for (bad, shown) in [
            (r#"{"days":"abc"}"#, "got \"abc\""),
            (r#"{"days":"0"}"#, "got 0"),
            (r#"{"days":0}"#, "got 0"),
            (r#"{"days":-1}"#, "negative"),
            (r#"{"days":36501}"#, "got 36501"),
            (r#"{"days":"1.5"}"#, "got 1.5"),
        ] {
            let err = read_optional(bad).unwrap_err();
            assert!(
                err.contains("must be a whole number from 1 to 36500"),
                "{err}"
            );
            assert!(err.contains(shown), "{bad}: {err}");
        }
    }
}
