//! Turning text into index terms: lower case, split on anything that is not part of a word,
//! keep technology names whole ("c++", "c#", "node.js"), drop stop words, strip common English
//! suffixes so "studied" and "study" meet.

use std::collections::HashMap;

/// English function words plus the filler of questions about a person ("does she know …"):
/// they say nothing about which fact answers, so they would only add noise to the ranking.
/// Words that name technologies ("go", "c", "r") are deliberately not here.
#[rustfmt::skip]
const STOP_WORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "all", "also", "am", "an", "and", "any", "anything",
    "are", "as", "at", "be", "been", "being", "both", "but", "by", "can", "could", "cv", "d",
    "describe", "did", "do", "does", "doing", "done", "during", "each", "either", "else", "ever",
    "for", "from", "further", "get", "give", "got", "had", "has", "have", "having", "he", "her",
    "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it",
    "its", "just", "kind", "know", "knows", "like", "list", "ll", "m", "may", "me", "mention",
    "mentioned", "might", "more", "most", "much", "must", "my", "of", "on", "one", "only", "or",
    "other", "our", "out", "over", "own", "person", "please", "re", "really", "resume", "s", "same",
    "say", "says", "she", "should", "show", "so", "some", "someone", "something", "such", "t",
    "tell", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there",
    "these", "they", "thing", "things", "this", "those", "through", "to", "too", "under", "up",
    "us", "use", "used", "uses", "using", "ve", "very", "was", "we", "well", "were", "what",
    "whats", "when", "where", "which", "while", "who", "whom", "whose", "why", "will", "with",
    "would", "you", "your",
];

/// Characters that may sit inside or at the end of a term besides letters and digits, so that
/// "c++", "c#", "f#" and "node.js" survive tokenising.
fn is_term_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '+' | '#' | '.')
}

/// Words as written, split like terms but with nothing dropped or changed (used to spot
/// capitalised names in a question). "C++" and "C#" keep their symbols; sentence dots go.
pub(crate) fn raw_words(text: &str) -> Vec<&str> {
    text.split(|c: char| !is_term_char(c))
        .map(|w| w.trim_start_matches(['.', '+', '#']).trim_end_matches('.'))
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect()
}

/// Lower-cased words with their accents folded ("Zürich" → "zurich", "Müller" → "muller"),
/// before stop words and stemming: what phrase routing looks at. Folding both the facts and
/// the questions lets a visitor type without accents.
pub(crate) fn lower_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in raw_words(text) {
        let lower = fold(&word.to_lowercase());
        if lower.contains('.') {
            // "node.js" also counts as "node" and "js"; "example.com" as "example", "com".
            for part in lower.split('.').filter(|p| !p.is_empty()) {
                out.push(part.to_owned());
            }
        }
        out.push(lower);
    }
    out
}

/// `word` without accents; left as it is when folding would leave nothing of it (a word in a
/// script that has no Latin transliteration keeps its own letters).
fn fold(word: &str) -> String {
    if word.is_ascii() {
        return word.to_owned();
    }
    let folded = deunicode::deunicode(word);
    if folded.chars().any(char::is_alphanumeric) {
        folded.to_lowercase()
    } else {
        word.to_owned()
    }
}

/// The stop words, for typo correction ("wher" → "where").
pub(crate) fn stop_words() -> &'static [&'static str] {
    STOP_WORDS
}

pub(crate) fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// Countries and the adjective of each, so that "worked in Germany" meets "German food
/// distributors" and "Italian" meets "Italy": both become the adjective.
#[rustfmt::skip]
const COUNTRY_ADJECTIVES: &[(&str, &str)] = &[
    ("australia", "australian"), ("austria", "austrian"), ("belgium", "belgian"),
    ("brazil", "brazilian"), ("canada", "canadian"), ("china", "chinese"), ("czechia", "czech"),
    ("denmark", "danish"), ("egypt", "egyptian"), ("finland", "finnish"), ("france", "french"),
    ("germany", "german"), ("greece", "greek"), ("hungary", "hungarian"), ("india", "indian"),
    ("ireland", "irish"), ("italy", "italian"), ("japan", "japanese"), ("kenya", "kenyan"),
    ("lithuania", "lithuanian"), ("mexico", "mexican"), ("netherlands", "dutch"),
    ("nigeria", "nigerian"), ("norway", "norwegian"), ("poland", "polish"),
    ("portugal", "portuguese"), ("romania", "romanian"), ("spain", "spanish"),
    ("sweden", "swedish"), ("switzerland", "swiss"), ("ukraine", "ukrainian"),
];

/// Cities resumes name, and the country (as its adjective) each is in, so that "worked in the
/// Netherlands" finds a role in Amsterdam. The city stays a term of its own as well.
#[rustfmt::skip]
const CITY_COUNTRIES: &[(&str, &str)] = &[
    ("aarhus", "danish"), ("amsterdam", "dutch"), ("athens", "greek"), ("barcelona", "spanish"),
    ("beijing", "chinese"), ("bengaluru", "indian"), ("bangalore", "indian"), ("bergen", "norwegian"),
    ("berlin", "german"), ("brussels", "belgian"), ("bucharest", "romanian"), ("budapest", "hungarian"),
    ("cairo", "egyptian"), ("copenhagen", "danish"), ("cork", "irish"), ("delhi", "indian"),
    ("dublin", "irish"), ("frankfurt", "german"), ("gdansk", "polish"), ("geneva", "swiss"),
    ("gothenburg", "swedish"), ("hamburg", "german"), ("helsinki", "finnish"), ("krakow", "polish"),
    ("kyiv", "ukrainian"), ("lagos", "nigerian"), ("lisbon", "portuguese"), ("lodz", "polish"),
    ("lyon", "french"), ("madrid", "spanish"), ("melbourne", "australian"), ("milan", "italian"),
    ("montreal", "canadian"), ("mumbai", "indian"), ("munich", "german"), ("nairobi", "kenyan"),
    ("osaka", "japanese"), ("oslo", "norwegian"), ("paris", "french"), ("porto", "portuguese"),
    ("prague", "czech"), ("rome", "italian"), ("rotterdam", "dutch"), ("seville", "spanish"),
    ("shanghai", "chinese"), ("stockholm", "swedish"), ("sydney", "australian"),
    ("tokyo", "japanese"), ("toronto", "canadian"), ("trondheim", "norwegian"),
    ("utrecht", "dutch"), ("valencia", "spanish"), ("vancouver", "canadian"),
    ("vienna", "austrian"), ("vilnius", "lithuanian"), ("warsaw", "polish"), ("zurich", "swiss"),
    ("antwerp", "belgian"), ("ghent", "belgian"), ("liege", "belgian"), ("eindhoven", "dutch"),
    ("bilbao", "spanish"), ("malaga", "spanish"), ("naples", "italian"), ("turin", "italian"),
    ("florence", "italian"), ("bologna", "italian"), ("marseille", "french"),
    ("toulouse", "french"), ("bordeaux", "french"), ("lille", "french"), ("nantes", "french"),
    ("strasbourg", "french"), ("cologne", "german"), ("dusseldorf", "german"),
    ("stuttgart", "german"), ("leipzig", "german"), ("dresden", "german"),
    ("nuremberg", "german"), ("hanover", "german"), ("bremen", "german"), ("malmo", "swedish"),
    ("uppsala", "swedish"), ("tampere", "finnish"), ("espoo", "finnish"), ("odense", "danish"),
    ("wroclaw", "polish"), ("poznan", "polish"), ("brno", "czech"), ("cluj", "romanian"),
    ("basel", "swiss"), ("lausanne", "swiss"), ("salzburg", "austrian"), ("graz", "austrian"),
    ("pune", "indian"), ("hyderabad", "indian"), ("chennai", "indian"), ("kolkata", "indian"),
    ("ottawa", "canadian"), ("calgary", "canadian"), ("brisbane", "australian"),
    ("perth", "australian"), ("kyoto", "japanese"), ("shenzhen", "chinese"),
    ("abuja", "nigerian"), ("alexandria", "egyptian"), ("lviv", "ukrainian"),
    ("thessaloniki", "greek"), ("galway", "irish"), ("limerick", "irish"),
];

/// The past forms of the irregular verbs resumes use, so that "Which subjects did she teach?"
/// meets "Taught physics": a stemmer only strips endings.
#[rustfmt::skip]
const IRREGULAR_PASTS: &[(&str, &str)] = &[
    ("began", "begin"), ("begun", "begin"), ("bought", "buy"), ("brought", "bring"),
    ("built", "build"), ("chose", "choose"), ("chosen", "choose"), ("drew", "draw"),
    ("drawn", "draw"), ("drove", "drive"), ("driven", "drive"), ("flew", "fly"),
    ("flown", "fly"), ("fought", "fight"), ("found", "find"), ("gave", "give"),
    ("given", "give"), ("grew", "grow"), ("grown", "grow"), ("held", "hold"),
    ("kept", "keep"), ("led", "lead"), ("made", "make"), ("met", "meet"), ("paid", "pay"),
    ("ran", "run"), ("sent", "send"), ("sold", "sell"), ("spent", "spend"), ("spoke", "speak"),
    ("spoken", "speak"), ("taught", "teach"), ("thought", "think"), ("took", "take"),
    ("taken", "take"), ("understood", "understand"), ("won", "win"), ("wrote", "write"),
    ("written", "write"),
];

/// Index terms of a text: lower case, stop words dropped, countries as their adjectives and
/// irregular pasts as their verbs, stemmed; a known city adds its country. Repeats are kept
/// (term frequency matters to BM25).
pub(crate) fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in lower_words(text)
        .into_iter()
        .filter(|w| !is_stop_word(w) && w.chars().any(char::is_alphanumeric))
    {
        if let Some(country) = CITY_COUNTRY.get(word.as_str()) {
            out.push(stem(country));
        }
        out.push(term(&word));
    }
    out
}

/// The word each country and irregular past stands for, looked up once per word of every fact
/// and question.
static BASE_WORDS: std::sync::LazyLock<HashMap<&'static str, &'static str>> =
    std::sync::LazyLock::new(|| {
        COUNTRY_ADJECTIVES
            .iter()
            .chain(IRREGULAR_PASTS)
            .copied()
            .collect()
    });

/// The country of each city in [`CITY_COUNTRIES`].
static CITY_COUNTRY: std::sync::LazyLock<HashMap<&'static str, &'static str>> =
    std::sync::LazyLock::new(|| CITY_COUNTRIES.iter().copied().collect());

/// The index term of one lower-case word, as [`terms`] makes it.
pub(crate) fn term(word: &str) -> String {
    stem(BASE_WORDS.get(word).copied().unwrap_or(word))
}

/// The English stem of a word (Snowball's stemmer, the Porter2 algorithm), applied the same way
/// to facts and questions so that "studied", "studies" and "study" meet. Words with digits or
/// symbols ("c++", "2016", "node.js"), and words of three letters or fewer (mostly names of
/// things: "aws", "gcp", "ios"), are left alone.
pub(crate) fn stem(word: &str) -> String {
    static STEMMER: std::sync::LazyLock<rust_stemmers::Stemmer> = std::sync::LazyLock::new(|| {
        rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English)
    });
    if !word.chars().all(|c| c.is_ascii_alphabetic()) || word.len() <= 3 {
        return word.to_owned();
    }
    STEMMER.stem(word).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        let mut sorted = STOP_WORDS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, STOP_WORDS);
    }

    #[test]
    fn keeps_technology_names_whole() {
        let t = terms("Rust, C++, C#, Node.js and .NET; CI/CD");
        for expected in [
            "rust", "c++", "c#", "node.js", "node", "js", "net", "ci", "cd",
        ] {
            assert!(
                t.contains(&expected.to_owned()),
                "{expected} missing from {t:?}"
            );
        }
    }

    #[test]
    fn drops_stop_words_and_lowercases() {
        assert_eq!(terms("What does SHE know about Kafka?"), vec!["kafka"]);
    }

    #[test]
    fn inflections_meet() {
        assert_eq!(stem("studied"), stem("study"));
        assert_eq!(stem("studies"), stem("study"));
        assert_eq!(stem("languages"), stem("language"));
        assert_eq!(stem("managed"), stem("managing"));
        assert_eq!(stem("managed"), stem("manage"));
        assert_eq!(stem("projects"), stem("project"));
        assert_eq!(stem("running"), stem("run"));
        assert_eq!(stem("certifications"), stem("certification"));
        assert_eq!(
            stem("kubernetes"),
            stem("Kubernetes".to_lowercase().as_str())
        );
    }

    #[test]
    fn an_irregular_past_meets_its_verb() {
        assert_eq!(terms("taught"), terms("teach"));
        assert_eq!(terms("Led the team"), terms("lead team"));
    }

    #[test]
    fn a_city_adds_its_country() {
        assert_eq!(terms("Amsterdam"), vec![stem("dutch"), stem("amsterdam")]);
        assert!(terms("the Netherlands").contains(&stem("dutch")));
    }

    #[test]
    fn a_country_meets_its_adjective() {
        assert_eq!(terms("Germany"), terms("German"));
        assert_eq!(terms("worked in Italy"), terms("worked Italian"));
    }

    #[test]
    fn leaves_short_and_symbolic_words_alone() {
        assert_eq!(stem("aws"), "aws");
        assert_eq!(stem("2016"), "2016");
        assert_eq!(stem("c++"), "c++");
    }

    #[test]
    fn handles_unicode_and_odd_input() {
        // Accents are folded, so a question typed without them meets the resume.
        assert_eq!(terms("Tomás Okafor"), terms("Tomas Okafor"));
        assert_eq!(
            terms("Bäckerei Müller, Zürich"),
            terms("Backerei Muller, Zurich")
        );
        assert!(terms("🙂🙂 +++ ### ...").is_empty());
        assert!(terms("").is_empty());
        assert_eq!(
            raw_words("I like C++ and C#."),
            vec!["I", "like", "C++", "and", "C#"]
        );
    }
}
