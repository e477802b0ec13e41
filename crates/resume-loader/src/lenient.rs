//! Field types that accept the small variations hand-written resumes have (years as numbers,
//! a single string where a list is expected, `null` for "not given") while still rejecting real
//! shape errors such as a string where a list of jobs belongs. A field says how it is read by
//! its type ([`Text`], [`Texts`], [`OrName`], [`SkillGroups`]), so the schemas need no
//! per-field attributes; `Text` and `Texts` dereference to `Option<String>` and `Vec<String>`.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Trims text and treats an empty string as "not given".
fn clean(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// An optional scalar read as text, trimmed, blank as `None`: resumes write years as numbers and
/// GPAs as floats.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Text(pub(crate) Option<String>);

impl Deref for Text {
    type Target = Option<String>;

    fn deref(&self) -> &Option<String> {
        &self.0
    }
}

impl DerefMut for Text {
    fn deref_mut(&mut self) -> &mut Option<String> {
        &mut self.0
    }
}

impl From<Text> for Option<String> {
    fn from(text: Text) -> Self {
        text.0
    }
}

impl From<Option<String>> for Text {
    fn from(text: Option<String>) -> Self {
        Self(text)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
        Ok(Text(clean(v)))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Text, E> {
        Ok(Text(Some(v.to_string())))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
        Ok(Text(Some(v.to_string())))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
        Ok(Text(Some(v.to_string())))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
        Ok(Text(Some(v.to_string())))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
        Ok(Text(None))
    }

    fn visit_none<E: de::Error>(self) -> Result<Text, E> {
        Ok(Text(None))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Text, D::Error> {
        Text::deserialize(d)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor)
    }
}

/// A list of texts that may also be written as one string (or number, or null).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Texts(pub(crate) Vec<String>);

impl Deref for Texts {
    type Target = Vec<String>;

    fn deref(&self) -> &Vec<String> {
        &self.0
    }
}

impl DerefMut for Texts {
    fn deref_mut(&mut self) -> &mut Vec<String> {
        &mut self.0
    }
}

impl From<Texts> for Vec<String> {
    fn from(texts: Texts) -> Self {
        texts.0
    }
}

impl From<Vec<String>> for Texts {
    fn from(texts: Vec<String>) -> Self {
        Self(texts)
    }
}

impl<'a> IntoIterator for &'a Texts {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for Texts {
    type Item = String;
    type IntoIter = std::vec::IntoIter<String>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

struct TextsVisitor;

impl TextsVisitor {
    fn one<E: de::Error>(scalar: Result<Text, E>) -> Result<Texts, E> {
        scalar.map(|scalar| Texts(scalar.0.into_iter().collect()))
    }
}

impl<'de> Visitor<'de> for TextsVisitor {
    type Value = Texts;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of strings or a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Texts, E> {
        Self::one(TextVisitor.visit_str(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Texts, E> {
        Self::one(TextVisitor.visit_bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Texts, E> {
        Self::one(TextVisitor.visit_i64(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Texts, E> {
        Self::one(TextVisitor.visit_u64(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Texts, E> {
        Self::one(TextVisitor.visit_f64(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Texts, E> {
        Ok(Texts::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<Texts, E> {
        Ok(Texts::default())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Texts, D::Error> {
        Texts::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Texts, A::Error> {
        let mut items = Vec::new();
        while let Some(Text(item)) = seq.next_element()? {
            items.extend(item);
        }
        Ok(Texts(items))
    }
}

impl<'de> Deserialize<'de> for Texts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextsVisitor)
    }
}

/// Entries that people sometimes write as just a name (`"languages": ["Swedish"]`).
pub(crate) trait FromName {
    fn from_name(name: String) -> Self;
}

/// An object entry, or a plain string standing for its name; `None` for null or "".
#[derive(Debug)]
pub(crate) struct OrName<T>(pub(crate) Option<T>);

struct OrNameVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de> + FromName> Visitor<'de> for OrNameVisitor<T> {
    type Value = OrName<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object or a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<OrName<T>, E> {
        Ok(OrName(clean(v).map(T::from_name)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<OrName<T>, E> {
        Ok(OrName(Some(T::from_name(v.to_string()))))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<OrName<T>, E> {
        Ok(OrName(Some(T::from_name(v.to_string()))))
    }

    fn visit_unit<E: de::Error>(self) -> Result<OrName<T>, E> {
        Ok(OrName(None))
    }

    fn visit_none<E: de::Error>(self) -> Result<OrName<T>, E> {
        Ok(OrName(None))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<OrName<T>, D::Error> {
        OrName::deserialize(d)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<OrName<T>, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(|item| OrName(Some(item)))
    }
}

impl<'de, T: Deserialize<'de> + FromName> Deserialize<'de> for OrName<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(OrNameVisitor(PhantomData))
    }
}

/// The entries of an optional list of [`OrName`]s, skipping empty ones.
pub(crate) fn entries<T>(list: Option<Vec<OrName<T>>>) -> impl Iterator<Item = T> {
    list.into_iter().flatten().filter_map(|entry| entry.0)
}

/// Skills, either grouped by category in an object (`{"Databases": ["PostgreSQL"]}`, kept in
/// document order) or as a list of groups (JSON Resume) or of plain skill names.
#[derive(Debug, Default)]
pub(crate) struct SkillGroups(pub(crate) Vec<SkillGroup>);

/// One category of skills; `name` is `None` for skills listed without a category.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct SkillGroup {
    pub(crate) name: Text,
    category: Text,
    pub(crate) level: Text,
    pub(crate) keywords: Texts,
    items: Texts,
}

impl SkillGroup {
    /// Merges the alternative field names people use (`category`, `items`).
    fn normalized(mut self) -> Self {
        if self.name.is_none() {
            self.name = Text(self.category.take());
        }
        self.keywords.append(&mut self.items);
        self
    }
}

impl FromName for SkillGroup {
    fn from_name(name: String) -> Self {
        Self {
            keywords: Texts(vec![name]),
            ..Self::default()
        }
    }
}

struct SkillGroupsVisitor;

impl<'de> Visitor<'de> for SkillGroupsVisitor {
    type Value = SkillGroups;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object mapping skill categories to lists, or a list of skills")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<SkillGroups, E> {
        Ok(SkillGroups(
            clean(v).map(SkillGroup::from_name).into_iter().collect(),
        ))
    }

    fn visit_unit<E: de::Error>(self) -> Result<SkillGroups, E> {
        Ok(SkillGroups::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<SkillGroups, E> {
        Ok(SkillGroups::default())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<SkillGroups, D::Error> {
        SkillGroups::deserialize(d)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SkillGroups, A::Error> {
        let mut groups = Vec::new();
        while let Some((name, keywords)) = map.next_entry::<String, Texts>()? {
            groups.push(SkillGroup {
                name: Text(clean(&name)),
                keywords,
                ..SkillGroup::default()
            });
        }
        Ok(SkillGroups(groups))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SkillGroups, A::Error> {
        let mut groups = Vec::new();
        while let Some(OrName(group)) = seq.next_element::<OrName<SkillGroup>>()? {
            groups.extend(group.map(SkillGroup::normalized));
        }
        Ok(SkillGroups(groups))
    }
}

impl<'de> Deserialize<'de> for SkillGroups {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SkillGroupsVisitor)
    }
}
