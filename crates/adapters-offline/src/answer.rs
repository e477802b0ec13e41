//! Turning a question into a short answer: route it, rank the facts, pick the best few, and
//! write them up under a one-line lead.

use std::collections::HashSet;

use domain::Resume;

use crate::dates::{self, DateRange, YearMonth};
use crate::index::Index;
use crate::intent::{self, Category, Order, Route, SmallTalk};
use crate::text;

/// Added to a fact's BM25 score per unit of route weight when its section is one the question
/// is routed to. Above what one or two matching words score (about 3–4 each on a resume of a
/// few dozen facts), so "where did she study" puts education first even if another fact
/// happens to share a word.
const ROUTE_BOOST: f32 = 6.0;

/// Facts scoring below this share of the best fact's score are left out: they are noise next
/// to what answers.
const RELATIVE_CUTOFF: f32 = 0.6;

/// The least BM25 score that counts as the resume saying something about an unrouted question;
/// below it, a single common word matched by chance.
const MIN_MATCH_SCORE: f32 = 1.5;

/// Share of a question's words the resume must contain (routing cues count as contained) for
/// the question to be taken as about the resume ("who won the world cup" shares at most
/// "world"; "does she speak Swedish" has "speak").
const MIN_COVERAGE: f32 = 0.5;

/// A routed section counts as asked about when its weight is at least this share of the
/// strongest route: "languages" asks about skills (1.0) and spoken languages (0.8) alike.
const STRONG_SHARE: f32 = 0.75;

/// Bullets per answer: enough for a list of skills or roles, short enough to read at a glance.
const MAX_BULLETS: usize = 5;

/// Bullets for "where does she work now": the current role and a couple of its details.
const MAX_CURRENT_BULLETS: usize = 3;

/// Facts longer than this are cut at a word boundary; a bullet should stay readable.
const MAX_FACT_CHARS: usize = 400;

/// Words of a question looked at, at most. A question longer than this is not a question
/// about a resume any more, and the cap keeps the work per answer bounded.
const MAX_QUESTION_WORDS: usize = 400;

/// Weight of expansion terms ("study" → "degree") relative to the question's own words: they
/// help find the section, but must not reorder it by chance matches.
const EXPANSION_WEIGHT: f32 = 0.5;

/// Weight of words that only picked a section ("worked", "contact"): low, so "day of work"
/// does not outrank Kafka in "has she worked with Kafka".
const CUE_WEIGHT: f32 = 0.3;

/// Added to the facts of the current role when the question asks about now.
const CURRENT_BOOST: f32 = 3.0;

/// Added to a role's headline (the fact with its dates), so that a question about an employer
/// starts with the role before its details.
const HEADLINE_BONUS: f32 = 1.0;

/// One indexed fact's context beyond its text.
#[derive(Debug, Clone)]
struct FactInfo {
    categories: Vec<Category>,
    ranges: Vec<DateRange>,
    /// The fact that starts its entry (a role's headline with dates); itself for headlines.
    entry: usize,
}

/// The precomputed index of one resume and what is needed to write answers about it.
#[derive(Debug, Clone)]
pub(crate) struct Answerer {
    name: String,
    title: Option<String>,
    name_words: Vec<String>,
    index: Index,
    info: Vec<FactInfo>,
    /// Every word of the resume (lower case, accents folded), for typo correction.
    vocabulary: HashSet<String>,
    /// What a mistyped word may be mended to: the stop words, the routing cues and the
    /// resume's words, with their lengths (a correction is within two letters of the word).
    corrections: Vec<(usize, String)>,
    /// Words that are known and so never mended: the above.
    known: HashSet<String>,
    /// The stems of the resume's words: a word with one of them is known too ("studies" when
    /// the resume says "studied"). Kept apart from `known`, since a stem is often a slip of
    /// its own word ("degre" is the stem of "degree", and a typo for it).
    known_stems: HashSet<String>,
}

/// How well a role must match the words after "before"/"after", next to the best match of any
/// fact, to be the one they name.
const NAMED_ROLE_SHARE: f32 = 0.75;

/// Titles and letters people write around their name.
#[rustfmt::skip]
const NAME_AFFIXES: &[&str] = &[
    "phd", "md", "mba", "msc", "bsc", "ma", "ba", "dr", "prof", "mr", "mrs", "ms", "jr", "sr",
    "cpa", "pe", "ceng", "frcs", "esq", "ii", "iii",
];

/// How alike a mistyped word and a known one must be (normalised Damerau–Levenshtein): one
/// slip in a word of five letters, two in one of ten.
const TYPO_SIMILARITY: f64 = 0.8;

/// Words this long may be mended across two slips; shorter ones across one.
const LONG_WORD_CHARS: usize = 12;

/// Shorter words are never corrected: too many short words are one letter apart.
const TYPO_MIN_CHARS: usize = 4;

impl FactInfo {
    /// A job or volunteering entry, whose facts come as a dated headline and details.
    fn is_role(&self) -> bool {
        self.categories
            .iter()
            .any(|c| matches!(c, Category::Experience | Category::Volunteer))
    }
}

/// The weighted terms a question is searched with.
#[derive(Debug, Default)]
struct Query {
    /// What the answer should contain: the question's own content words and the resume
    /// words for narrow cues ("mail" → "email").
    focus: Vec<(String, f32)>,
    /// What only helps find the section: routing cues and broad expansions.
    broad: Vec<(String, f32)>,
    /// All of the question's terms but the person's name, for the coverage check.
    all: Vec<String>,
}

impl Query {
    fn new(
        words: &[String],
        route: &Route,
        name_terms: &HashSet<String>,
        cue_terms: &HashSet<String>,
    ) -> Self {
        let mut query = Self::default();
        let mut seen = HashSet::new();
        for term in words.iter().flat_map(|w| text::terms(w)) {
            if name_terms.contains(&term) || !seen.insert(term.clone()) {
                continue;
            }
            query.all.push(term.clone());
            if cue_terms.contains(&term) {
                query.broad.push((term, CUE_WEIGHT));
            } else {
                query.focus.push((term, 1.0));
            }
        }
        for term in route.focus_expansions.iter().flat_map(|w| text::terms(w)) {
            if seen.insert(term.clone()) {
                query.focus.push((term, 1.0));
            }
        }
        for term in route.expansions.iter().flat_map(|w| text::terms(w)) {
            if seen.insert(term.clone()) {
                query.broad.push((term, EXPANSION_WEIGHT));
            }
        }
        query
    }
}

impl Answerer {
    pub(crate) fn new(resume: &Resume) -> Self {
        let index = Index::build(
            resume
                .sections
                .iter()
                .enumerate()
                .map(|(i, s)| (i, s.heading.as_str(), s.facts.as_slice())),
        );
        let mut info: Vec<FactInfo> = Vec::with_capacity(index.docs.len());
        for (i, doc) in index.docs.iter().enumerate() {
            let heading = resume
                .sections
                .get(doc.section)
                .map_or("", |s| s.heading.as_str());
            let section = intent::classify_heading(heading);
            let mut categories = vec![section];
            if looks_like_contact(&doc.fact) && !categories.contains(&Category::Contact) {
                categories.push(Category::Contact);
            }
            // A catch-all section ("Additional information") holds labelled lines that are
            // sections of their own: "Interests: bouldering" is about interests.
            if matches!(section, Category::Other | Category::Summary)
                && let Some(label) = fact_label(&doc.fact)
            {
                let labelled = intent::classify_heading(label);
                if !categories.contains(&labelled) {
                    categories.push(labelled);
                }
            }
            let ranges = dates::find_ranges(&doc.fact);
            // A fact with dates starts an entry; facts after it in the same section belong to it
            // ("At Northwind Logistics: …" after the Northwind headline).
            let entry = match i.checked_sub(1).and_then(|p| info.get(p).map(|f| (p, f))) {
                Some((p, prev))
                    if ranges.is_empty()
                        && index.docs.get(p).is_some_and(|d| d.section == doc.section) =>
                {
                    prev.entry
                }
                _ => i,
            };
            info.push(FactInfo {
                categories,
                ranges,
                entry,
            });
        }
        // "Hamid Rahimi, PhD": a degree or title after the name is not part of who to ask about
        // ("Does he have a PhD?" is not a question about him as a whole).
        let name_words: Vec<String> = text::lower_words(&resume.name)
            .into_iter()
            .filter(|w| !NAME_AFFIXES.contains(&w.as_str()))
            .collect();
        let vocabulary: HashSet<String> = resume
            .sections
            .iter()
            .flat_map(|section| std::iter::once(&section.heading).chain(&section.facts))
            .chain(std::iter::once(&resume.name))
            .flat_map(|text| text::lower_words(text))
            .collect();
        let mut corrections: Vec<(usize, String)> = text::stop_words()
            .iter()
            .copied()
            .chain(intent::cue_vocabulary())
            .map(str::to_owned)
            .chain(vocabulary.iter().cloned())
            .filter(|w| {
                w.chars().all(char::is_alphabetic) && w.chars().count() >= TYPO_MIN_CHARS - 1
            })
            .map(|w| (w.chars().count(), w))
            .collect();
        corrections.sort_unstable();
        corrections.dedup();
        let known: HashSet<String> = corrections.iter().map(|(_, w)| w.clone()).collect();
        let known_stems: HashSet<String> = vocabulary.iter().map(|w| text::term(w)).collect();
        Self {
            vocabulary,
            corrections,
            known,
            known_stems,
            name: resume.name.clone(),
            title: resume.title.clone(),
            name_words,
            index,
            info,
        }
    }

    /// Whose resume this is.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// How many facts are indexed.
    pub(crate) fn fact_count(&self) -> usize {
        self.index.docs.len()
    }

    /// What to say when there is no question at all.
    pub(crate) fn help(&self) -> String {
        format!(
            "Ask me about {}'s experience, skills, education, projects or contact details.",
            self.name
        )
    }

    /// The question's words, lower case and accents folded, with typos mended: a word neither
    /// the resume nor the questions' own vocabulary knows becomes the closest one that does
    /// ("studdy" → "study", "wher" → "where"). Words written with a capital inside the
    /// sentence, or with digits or symbols, are names of things and stay as typed, so that a
    /// skill the resume lacks is never taken for one it has.
    fn corrected_words(&self, raw: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        for (i, word) in raw.iter().enumerate() {
            let capitalised = i > 0 && word.chars().next().is_some_and(char::is_uppercase);
            for lower in text::lower_words(word) {
                let plain = lower.chars().all(char::is_alphabetic);
                if capitalised || !plain {
                    out.push(lower);
                    continue;
                }
                if lower.chars().count() < TYPO_MIN_CHARS {
                    out.push(self.short_slip(&lower).unwrap_or(lower));
                    continue;
                }
                out.push(self.closest_known(&lower).unwrap_or(lower));
            }
        }
        out
    }

    /// A three-letter word the resume does not know that is a question word with one letter
    /// left out ("wat" → "what", "wich" is long enough for the usual mending), when only one
    /// such word fits. Shorter words are names as often as slips ("go", "r").
    fn short_slip(&self, word: &str) -> Option<String> {
        let length = word.chars().count();
        if length != 3 || self.known.contains(word) {
            return None;
        }
        let mut fits = text::stop_words().iter().filter(|candidate| {
            candidate.chars().count() == length + 1
                && (0..=length).any(|at| {
                    let mut without: String = candidate.chars().take(at).collect();
                    without.extend(candidate.chars().skip(at + 1));
                    without == word
                })
        });
        let only = fits.next()?;
        fits.next().is_none().then(|| (*only).to_owned())
    }

    fn closest_known(&self, word: &str) -> Option<String> {
        if self.known.contains(word) || self.known_stems.contains(&text::term(word)) {
            return None;
        }
        let length = word.chars().count();
        // One slip in a word of ordinary length, two only in a long one: two letters apart,
        // "monitoring" is not a typo for "mentoring".
        let max_slips = if length >= LONG_WORD_CHARS { 2 } else { 1 };
        self.corrections
            .iter()
            .filter(|(len, _)| len.abs_diff(length) <= max_slips)
            .filter_map(|(_, candidate)| {
                let slips = strsim::damerau_levenshtein(word, candidate);
                let similarity = strsim::normalized_damerau_levenshtein(word, candidate);
                (slips <= max_slips && similarity >= TYPO_SIMILARITY)
                    .then_some((similarity, candidate))
            })
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, candidate)| candidate.clone())
    }

    /// Whether `answer` is this answerer saying the resume has nothing on the question.
    pub(crate) fn says_nothing(&self, answer: &str) -> bool {
        answer == self.does_not_say()
    }

    fn does_not_say(&self) -> String {
        format!(
            "The resume does not say anything about that. You can ask about {}'s experience, \
             skills, education, projects or contact details.",
            self.name
        )
    }

    /// The whole answer to a question; see the crate documentation for how it is made.
    pub(crate) fn answer(&self, question: &str) -> String {
        let question = question.trim();
        if question.is_empty() {
            return self.help();
        }
        let raw: Vec<&str> = text::raw_words(question)
            .into_iter()
            .take(MAX_QUESTION_WORDS)
            .collect();
        let words = self.corrected_words(&raw);
        if let Some(kind) = intent::small_talk(&words, &self.name_words) {
            return self.small_talk_reply(kind);
        }
        // "What's the weather in San Francisco": a place from the resume does not make the
        // question about it.
        let off_topic = intent::off_topic_words(&words);
        if !off_topic.is_empty() && off_topic.iter().all(|w| !self.vocabulary.contains(*w)) {
            return self.does_not_say();
        }

        let route = intent::route(&words, &self.name_words);
        let name_terms: HashSet<String> = self.name_words.iter().map(|w| text::term(w)).collect();
        let mut cue_terms: HashSet<String> =
            route.cue_words.iter().map(|w| text::term(w)).collect();
        let mut query = Query::new(&words, &route, &name_terms, &cue_terms);
        let mut focus = self.index.scores(&query.focus);
        let mut broad = self.index.scores(&query.broad);
        let (mut scores, mut routed_hit) = self.score(&route, &query, &focus, &broad);
        // The sections the cues point to are not in this resume ("Does she volunteer?" with
        // no volunteering section) and the question has nothing else: the cue words are then
        // what to look for.
        if !routed_hit && !cue_terms.is_empty() && query.focus.is_empty() {
            cue_terms.clear();
            query = Query::new(&words, &route, &name_terms, &cue_terms);
            focus = self.index.scores(&query.focus);
            broad = self.index.scores(&query.broad);
            (scores, routed_hit) = self.score(&route, &query, &focus, &broad);
        }
        if !self.is_about_resume(&route, &query, &cue_terms, routed_hit, &focus, &broad) {
            return self.does_not_say();
        }

        let missing = self.unmentioned(&raw, &cue_terms, &name_terms);
        if route.years
            && let Some(answer) = self.years_answer(&missing)
        {
            return answer;
        }
        if route.who
            && let Some(picked) = self.who_facts()
        {
            let lead = match &self.title {
                Some(title) => format!("{} — {}.", self.name, title.trim()),
                None => format!("From the resume of {}:", self.name),
            };
            return self.write(&missing, &lead, &picked);
        }
        // "Where does she work now" gets the current role; asked along with other sections,
        // the current role is only preferred among the roles (see `score`).
        let strongest = route.strongest();
        let only_experience = strongest > 0.0
            && route.weight(Category::Experience) >= strongest
            && route
                .categories
                .iter()
                .all(|(c, w)| *c == Category::Experience || *w < strongest * STRONG_SHARE);
        let current = if route.current && only_experience {
            self.current_facts(&scores)
        } else {
            None
        };
        if let Some(order) = route.order
            && current.is_none()
            && let Some(picked) = self.neighbour_role(order, &focus)
        {
            let lead = format!("From the resume of {}:", self.name);
            return self.write(&missing, &lead, &picked);
        }
        let everything = if route.all && current.is_none() {
            self.all_entries(&route)
        } else {
            None
        };
        let picked = current
            .or(everything)
            .unwrap_or_else(|| self.pick(&scores, &focus, &route));
        if picked.is_empty() {
            return self.does_not_say();
        }
        let lead = format!("From the resume of {}:", self.name);
        self.write(&missing, &lead, &picked)
    }

    /// "List all the companies she worked for": the headline of every entry (a role, a degree)
    /// of the one section the question is about, in the resume's order. `None` when the
    /// question is about several sections or the section has fewer than two entries.
    fn all_entries(&self, route: &Route) -> Option<Vec<usize>> {
        let strongest = route.strongest();
        let mut routed = route
            .categories
            .iter()
            .filter(|(_, w)| *w >= strongest * STRONG_SHARE)
            .map(|(c, _)| *c);
        let category = routed.next()?;
        if routed.next().is_some() {
            return None;
        }
        let entries: Vec<usize> = self
            .info
            .iter()
            .enumerate()
            .filter(|(i, info)| {
                info.entry == *i && !info.ranges.is_empty() && info.categories.contains(&category)
            })
            .map(|(i, _)| i)
            .collect();
        (entries.len() >= 2).then_some(entries)
    }

    fn small_talk_reply(&self, kind: SmallTalk) -> String {
        let name = &self.name;
        match kind {
            SmallTalk::Greeting => format!(
                "Hello! I can answer questions about {name}'s resume: experience, skills, \
                 education, projects or contact details."
            ),
            SmallTalk::Thanks => {
                format!("You're welcome! Ask me anything else about {name}'s resume.")
            }
            SmallTalk::Ack => format!("Glad to help! Ask me anything else about {name}'s resume."),
            SmallTalk::Bye => {
                format!("Goodbye! Come back any time with more questions about {name}'s resume.")
            }
        }
    }

    /// Each fact's score: what it shares with the question (BM25), plus the boost of its
    /// section when the question is routed there, plus small preferences (role headlines, the
    /// current role). Also says whether any fact sits in a routed section.
    fn score(
        &self,
        route: &Route,
        query: &Query,
        focus: &[f32],
        broad: &[f32],
    ) -> (Vec<f32>, bool) {
        let mut scores: Vec<f32> = Vec::with_capacity(focus.len());
        let mut routed_hit = false;
        let route_weight = |info: &FactInfo| {
            info.categories
                .iter()
                .map(|c| route.weight(*c))
                .fold(0.0, f32::max)
        };
        // "What availability did he reach?": a cue ("reach") routes to contact details, but
        // the question's own word is matched only by a fact elsewhere. What the question names
        // wins over where its cue points, unless a narrow cue named the thing itself.
        let routed_match = self
            .info
            .iter()
            .enumerate()
            .any(|(i, info)| route_weight(info) > 0.0 && score_of(focus, i) > 0.0);
        let best_elsewhere = self
            .info
            .iter()
            .enumerate()
            .filter(|(_, info)| route_weight(info) == 0.0)
            .map(|(i, _)| score_of(focus, i))
            .fold(0.0, f32::max);
        let follow_route = routed_match
            || !route.focus_expansions.is_empty()
            || query.focus.is_empty()
            || best_elsewhere < MIN_MATCH_SCORE;
        for (i, info) in self.info.iter().enumerate() {
            let mut weight = if follow_route {
                route_weight(info)
            } else {
                0.0
            };
            let headline = info.entry == i && !info.ranges.is_empty();
            // "Where has she worked?" asks for the roles, not every detail of each.
            if query.focus.is_empty() && !headline && info.is_role() {
                weight *= 0.5;
            }
            routed_hit |= weight > 0.0;
            let mut bonus = if headline && info.is_role() {
                HEADLINE_BONUS
            } else {
                0.0
            };
            if route.current && self.is_current_entry(info) {
                bonus += CURRENT_BOOST;
            }
            // Cue words only find sections; inside a routed one they would just reorder facts
            // by chance matches ("Weekend project" before the other projects).
            let found = if weight > 0.0 {
                0.0
            } else {
                score_of(broad, i)
            };
            scores.push(score_of(focus, i) + found + ROUTE_BOOST * weight + bonus);
        }
        (scores, routed_hit)
    }

    /// Whether the resume speaks to the question at all; if not, the answer says so plainly.
    fn is_about_resume(
        &self,
        route: &Route,
        query: &Query,
        cue_terms: &HashSet<String>,
        routed_hit: bool,
        focus: &[f32],
        broad: &[f32],
    ) -> bool {
        // The question's own words are all unknown to the resume and it is routed only weakly
        // ("has she worked with Haskell"): not something the resume speaks to.
        let focus_unknown =
            !query.focus.is_empty() && query.focus.iter().all(|(t, _)| self.index.doc_freq(t) == 0);
        if route.strongest() < 1.0 && focus_unknown {
            return false;
        }
        if routed_hit {
            // Routed, but most of the question is about something else: "recommend a good
            // pizza place" routes on "recommend" and shares nothing else with the resume.
            // A narrow cue whose resume words are there counts as known ("routing protocols"
            // when the resume says "BGP").
            let expansion_found = route
                .focus_expansions
                .iter()
                .flat_map(|w| text::terms(w))
                .any(|t| self.index.doc_freq(&t) > 0);
            let mut known = cue_terms.clone();
            if expansion_found {
                known.extend(route.narrow_cue_words.iter().map(|w| text::term(w)));
            }
            self.coverage(&query.all, Some(&known)) >= MIN_COVERAGE
        } else {
            // Nothing routed (or the routed sections do not exist): the resume must share
            // enough of the question's words, and match them well enough, to be about it.
            let best = focus
                .iter()
                .zip(broad)
                .map(|(f, b)| f + b)
                .fold(0.0, f32::max);
            best >= MIN_MATCH_SCORE && self.coverage(&query.all, None) >= MIN_COVERAGE
        }
    }

    /// Share of `terms` the resume contains (or that served as routing cues, when given).
    fn coverage(&self, terms: &[String], cues: Option<&HashSet<String>>) -> f32 {
        if terms.is_empty() {
            // Nothing but cue words and stop words ("any certifications?"): routing decides.
            return if cues.is_some() { 1.0 } else { 0.0 };
        }
        let known = terms
            .iter()
            .filter(|t| cues.is_some_and(|c| c.contains(*t)) || self.index.doc_freq(t) > 0)
            .count();
        known as f32 / terms.len() as f32
    }

    /// Question words the resume never mentions and that look like names of things (written
    /// with a capital inside the sentence, or with digits or symbols: "Swedish", "C#", "K8s").
    /// Said up front so a yes/no question gets its "no".
    fn unmentioned(
        &self,
        raw: &[&str],
        cue_terms: &HashSet<String>,
        name_terms: &HashSet<String>,
    ) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (i, word) in raw.iter().enumerate() {
            let capitalised = i > 0 && word.chars().next().is_some_and(char::is_uppercase);
            let symbolic = word.chars().any(|c| !c.is_alphabetic());
            // Single letters count only as names ("C", "R"), not as "I" or "A".
            let letter_name = word.chars().count() > 1 || !matches!(*word, "I" | "A" | "a");
            if !(capitalised || symbolic) || !letter_name {
                continue;
            }
            let terms = text::terms(word);
            let Some(term) = terms.last() else { continue };
            if cue_terms.contains(term)
                || name_terms.contains(term)
                || terms.iter().any(|t| self.index.doc_freq(t) > 0)
            {
                continue;
            }
            if !out.iter().any(|o| o.eq_ignore_ascii_case(word)) {
                out.push((*word).to_owned());
            }
        }
        out
    }

    /// "About 9 years (since 2016)", from the dates of the experience entries.
    fn years_answer(&self, missing: &[String]) -> Option<String> {
        let roles: Vec<usize> = self
            .info
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                f.categories.first() == Some(&Category::Experience) && !f.ranges.is_empty()
            })
            .map(|(i, _)| i)
            .collect();
        let ranges: Vec<DateRange> = roles
            .iter()
            .filter_map(|i| self.info.get(*i))
            .flat_map(|f| f.ranges.iter().copied())
            .collect();
        let counted = dates::years_of_experience(&ranges, YearMonth::now());
        // What the resume itself says ("eight years of experience") comes first: the dates
        // of the roles miss study, gaps and work the resume leaves out.
        let stated = self
            .index
            .docs
            .iter()
            .find_map(|doc| stated_years(&doc.fact));
        let amount = |years: i64| match years {
            0 => "less than a year".to_owned(),
            1 => "about 1 year".to_owned(),
            n => format!("about {n} years"),
        };
        let lead = match (stated, counted) {
            (Some(stated), Some((years, since))) => format!(
                "{}'s resume says {stated}; going by the dates of its roles, {} (since {since}):",
                self.name,
                amount(years)
            ),
            (Some(stated), None) => format!("{}'s resume says {stated}.", self.name),
            (None, Some((years, since))) => {
                let mut amount = amount(years);
                if let Some(first) = amount.get_mut(0..1) {
                    first.make_ascii_uppercase();
                }
                format!(
                    "{amount} (since {since}), going by the dates of the roles in {}'s resume:",
                    self.name
                )
            }
            (None, None) => return None,
        };
        let picked: Vec<usize> = roles.into_iter().take(MAX_BULLETS).collect();
        Some(self.write(missing, &lead, &picked))
    }

    /// Whether a fact belongs to a current job ("… – Present").
    fn is_current_entry(&self, info: &FactInfo) -> bool {
        self.info.get(info.entry).is_some_and(|head| {
            head.categories.first() == Some(&Category::Experience)
                && head.ranges.iter().any(DateRange::is_current)
        })
    }

    /// The current role(s) ("… – Present") and their best details, when the resume has one.
    fn current_facts(&self, scores: &[f32]) -> Option<Vec<usize>> {
        let current: Vec<usize> = self
            .info
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                f.categories.first() == Some(&Category::Experience)
                    && f.ranges.iter().any(DateRange::is_current)
            })
            .map(|(i, _)| i)
            .collect();
        if current.is_empty() {
            return None;
        }
        let mut picked = current.clone();
        let mut details: Vec<usize> = self
            .info
            .iter()
            .enumerate()
            .filter(|(i, f)| current.contains(&f.entry) && !current.contains(i))
            .map(|(i, _)| i)
            .collect();
        // Best-scoring details first; ties keep resume order.
        details.sort_by(|a, b| score_of(scores, *b).total_cmp(&score_of(scores, *a)));
        picked.extend(details);
        picked.truncate(MAX_CURRENT_BULLETS.max(current.len()));
        Some(picked)
    }

    /// "Where did she work before Douro Bank": the role the question names is the one whose
    /// entry matches its words best; the answer is the role that started just before it (or
    /// just after), by their dates, or by the resume's order (newest first) where dates are
    /// missing. `None` when no role is named or it has no such neighbour.
    fn neighbour_role(&self, order: Order, focus: &[f32]) -> Option<Vec<usize>> {
        let roles: Vec<usize> = self
            .info
            .iter()
            .enumerate()
            .filter(|(i, f)| f.entry == *i && f.categories.first() == Some(&Category::Experience))
            .map(|(i, _)| i)
            .collect();
        // Each role's best match among its headline and details.
        let named = roles
            .iter()
            .map(|role| {
                let best = self
                    .info
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.entry == *role)
                    .map(|(i, _)| score_of(focus, i))
                    .fold(0.0, f32::max);
                (*role, best)
            })
            .filter(|(_, best)| *best > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        // The question's words must point at a role about as well as at anything else ("after
        // her bachelor" names a degree, not a job; "after the University of Toronto" names a
        // role there as well as the degree).
        let best_anywhere = focus.iter().copied().fold(0.0, f32::max);
        if named.1 < best_anywhere * NAMED_ROLE_SHARE {
            return None;
        }
        let named = named.0;
        let start = |role: usize| {
            self.info
                .get(role)
                .and_then(|f| f.ranges.iter().map(|r| r.start).min())
        };
        let neighbour = match start(named) {
            Some(named_start) => {
                let dated = roles.iter().filter_map(|r| start(*r).map(|s| (*r, s)));
                match order {
                    Order::Before => dated
                        .filter(|(_, s)| *s < named_start)
                        .max_by_key(|(_, s)| *s),
                    Order::After => dated
                        .filter(|(_, s)| *s > named_start)
                        .min_by_key(|(_, s)| *s),
                }
                .map(|(r, _)| r)
            }
            None => {
                let at = roles.iter().position(|r| *r == named)?;
                match order {
                    Order::Before => roles.get(at + 1).copied(),
                    Order::After => at.checked_sub(1).and_then(|p| roles.get(p).copied()),
                }
            }
        }?;
        Some(vec![neighbour])
    }

    /// For "who is …": the summary, then the current role(s) and where they are.
    fn who_facts(&self) -> Option<Vec<usize>> {
        let summary = self
            .info
            .iter()
            .enumerate()
            // Contact lines under a Markdown resume's name are not who the person is.
            .filter(|(_, f)| {
                f.categories.first() == Some(&Category::Summary)
                    && !f.categories.contains(&Category::Contact)
            })
            .map(|(i, _)| i)
            .take(2);
        let current = self
            .info
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                f.categories.first() == Some(&Category::Experience)
                    && f.ranges.iter().any(DateRange::is_current)
            })
            .map(|(i, _)| i)
            .take(2);
        let location = self
            .index
            .docs
            .iter()
            .enumerate()
            .filter(|(i, d)| {
                self.info
                    .get(*i)
                    .is_some_and(|f| f.categories.contains(&Category::Contact))
                    && d.fact.to_lowercase().starts_with("location")
            })
            .map(|(i, _)| i)
            .take(1);
        let picked: Vec<usize> = summary.chain(current).chain(location).collect();
        (!picked.is_empty()).then_some(picked)
    }

    /// The best facts: in score order, above the cutoff, no repeats, at most [`MAX_BULLETS`].
    /// When the question is about several sections, each of them gets its best fact in; within
    /// a routed section, facts that contain what the question names ("email", "Swedish") push
    /// out those that merely share the section.
    fn pick(&self, scores: &[f32], focus: &[f32], route: &Route) -> Vec<usize> {
        let mut order: Vec<usize> = (0..scores.len())
            .filter(|i| score_of(scores, *i) > 0.0)
            .collect();
        order.sort_by(|a, b| score_of(scores, *b).total_cmp(&score_of(scores, *a)));
        let Some(top) = order.first().map(|i| score_of(scores, *i)) else {
            return Vec::new();
        };
        let cutoff = top * RELATIVE_CUTOFF;
        let categories_of = |i: usize| {
            self.info
                .get(i)
                .map_or(&[][..], |f| f.categories.as_slice())
        };

        // Routed categories in which some candidate matches the question's own words.
        let focused: Vec<Category> = route
            .categories
            .iter()
            .map(|(c, _)| *c)
            .filter(|c| {
                order.iter().any(|&i| {
                    score_of(scores, i) >= cutoff
                        && score_of(focus, i) > 0.0
                        && categories_of(i).contains(c)
                })
            })
            .collect();
        let unfocused = |i: usize| {
            score_of(focus, i) == 0.0 && categories_of(i).iter().any(|c| focused.contains(c))
        };

        let mut picked: Vec<usize> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut take = |i: usize, picked: &mut Vec<usize>| {
            let key = self
                .index
                .docs
                .get(i)
                .map(|d| d.fact.to_lowercase())
                .unwrap_or_default();
            if picked.len() < MAX_BULLETS && !picked.contains(&i) && seen.insert(key) {
                picked.push(i);
            }
        };
        // Each strongly routed section's best fact, so "study and work" answers both.
        let strongest = route.strongest();
        let firsts: Vec<usize> = route
            .categories
            .iter()
            .filter(|(_, w)| *w >= strongest * STRONG_SHARE)
            .filter_map(|(c, _)| {
                order
                    .iter()
                    .copied()
                    .find(|&i| categories_of(i).contains(c) && !unfocused(i))
            })
            .collect();
        for i in firsts {
            take(i, &mut picked);
        }
        for &i in &order {
            if score_of(scores, i) >= cutoff && !unfocused(i) {
                take(i, &mut picked);
            }
        }
        // Best first; ties keep resume order.
        picked.sort_by(|a, b| {
            score_of(scores, *b)
                .total_cmp(&score_of(scores, *a))
                .then(a.cmp(b))
        });
        picked
    }

    /// Lead line, then one bullet per fact; a fact the resume states twice is said once.
    fn write(&self, missing: &[String], lead: &str, picked: &[usize]) -> String {
        let mut out = String::new();
        if !missing.is_empty() {
            out.push_str("The resume does not mention ");
            out.push_str(&missing.join(" or "));
            out.push_str(". ");
        }
        out.push_str(lead);
        out.push('\n');
        let mut seen = HashSet::new();
        for fact in picked
            .iter()
            .filter_map(|i| self.index.docs.get(*i))
            .map(|d| bullet_text(&d.fact))
        {
            if seen.insert(fact.to_lowercase()) {
                out.push_str("\n- ");
                out.push_str(&fact);
            }
        }
        out
    }
}

fn score_of(scores: &[f32], i: usize) -> f32 {
    scores.get(i).copied().unwrap_or(0.0)
}

/// An email address, a link or a phone number makes a fact contact information wherever it
/// sits (Markdown resumes put them under the name, not under "Contact").
fn looks_like_contact(fact: &str) -> bool {
    let lower = fact.to_lowercase();
    let email = lower
        .split_whitespace()
        .any(|w| w.contains('@') && w.contains('.'));
    let digits = fact.chars().filter(char::is_ascii_digit).count();
    let phone = fact.starts_with('+') || (lower.contains("phone") && digits >= 6);
    let place = ["location:", "address:"]
        .iter()
        .any(|l| lower.starts_with(l));
    email || phone || place || lower.contains("linkedin.com") || lower.contains("github.com")
}

/// The label of a "Label: value" fact, when it is short enough to be one (a few words).
fn fact_label(fact: &str) -> Option<&str> {
    let (label, value) = fact.split_once(':')?;
    let words = label.split_whitespace().count();
    ((1..=3).contains(&words) && !value.trim().is_empty()).then_some(label.trim())
}

/// One line, at most [`MAX_FACT_CHARS`] characters, cut at a word boundary.
fn bullet_text(fact: &str) -> String {
    let one_line: String = fact.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MAX_FACT_CHARS {
        return one_line;
    }
    let cut: String = one_line.chars().take(MAX_FACT_CHARS).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space > MAX_FACT_CHARS / 2 => cut.get(..space).unwrap_or(&cut).to_owned(),
        _ => cut,
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.', ' ']))
}

/// Number words a resume writes years of experience with.
const NUMBER_WORDS: &[&str] = &[
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "twenty-five",
    "thirty",
];

/// "eight years of experience", "10+ years of experience", "15 years' experience" in a fact,
/// as written there.
fn stated_years(fact: &str) -> Option<String> {
    let words: Vec<&str> = fact.split_whitespace().collect();
    words.windows(4).find_map(|w| {
        let count = w[0].trim_start_matches(['(', '~']);
        let is_count = count
            .trim_end_matches('+')
            .chars()
            .all(|c| c.is_ascii_digit())
            && !count.trim_end_matches('+').is_empty()
            || NUMBER_WORDS.contains(&count.to_lowercase().as_str());
        let unit = w[1].to_lowercase();
        let years = unit == "years" || unit == "years'" || unit == "yrs";
        let rest = format!("{} {}", w[2], w[3]).to_lowercase();
        let experience =
            rest.starts_with("of experience") || w[2].to_lowercase().starts_with("experience");
        (is_count && years && experience).then(|| {
            let tail = if w[2].eq_ignore_ascii_case("of") {
                format!("{} {}", w[2], w[3].trim_end_matches([',', '.', ';', ')']))
            } else {
                w[2].trim_end_matches([',', '.', ';', ')']).to_owned()
            };
            format!("{count} {} {tail}", w[1])
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_facts_are_cut_at_a_word() {
        let fact = "word ".repeat(200);
        let bullet = bullet_text(&fact);
        assert!(bullet.chars().count() <= MAX_FACT_CHARS + 1);
        assert!(bullet.ends_with("word…"));
        assert_eq!(bullet_text("a\nb   c"), "a b c");
    }

    #[test]
    fn contact_facts_are_recognised_by_content() {
        assert!(looks_like_contact("Bengaluru, India · priya@example.net"));
        assert!(looks_like_contact("https://github.com/someone"));
        assert!(!looks_like_contact("Rewrote the service in Rust"));
    }
}
