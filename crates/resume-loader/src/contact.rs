//! Contact details in a line of text: `Bengaluru, India · priya@example.net · +91 98 7654 3210`
//! gives `Email: priya@example.net`, `Phone: +91 98 7654 3210`, `Location: Bengaluru, India`,
//! so that "what's her email?" finds a fact that says so.

/// Where a contact line splits into its parts.
const SEPARATORS: &[char] = &['·', '|', '•', '\u{2022}', '\n', '\t', '⋅', '∙'];

/// Labelled facts for the email addresses, phone numbers and web addresses of `line`, and,
/// when it has any of those, its location: the part that is none of them. Empty for a line
/// that holds no contact detail.
pub(crate) fn contact_facts(line: &str) -> Vec<String> {
    let parts: Vec<&str> = line
        .split(SEPARATORS)
        .flat_map(|part| part.split(" - "))
        .map(|part| part.trim().trim_matches(|c| c == ',' || c == ';'))
        .filter(|part| !part.is_empty())
        .collect();
    let mut facts = Vec::new();
    let mut others = Vec::new();
    for part in &parts {
        let (label, value) = split_label(part);
        if let Some(email) = value.split_whitespace().find(|w| is_email(w)) {
            facts.push(format!("Email: {}", email.trim_start_matches("mailto:")));
        } else if let Some(url) = value.split_whitespace().find(|w| is_url(w)) {
            // A Markdown link's address follows its text in brackets: "site (https://site)".
            let url = url.trim_matches(|c| "<>()[],;".contains(c));
            facts.push(format!("{}: {url}", site_label(url)));
        } else if is_phone(value) {
            facts.push(format!("Phone: {value}"));
        } else {
            others.push((label, value));
        }
    }
    if facts.is_empty() {
        return facts;
    }
    for (label, value) in others {
        let location = label.is_none_or(|l| {
            matches!(
                l.to_ascii_lowercase().as_str(),
                "location" | "address" | "based in" | "city"
            )
        });
        let short = value.chars().count() <= 60 && value.chars().any(char::is_alphabetic);
        if location && short {
            facts.push(format!("Location: {value}"));
        }
    }
    facts
}

/// A headline line such as `Clinical Research Nurse · Hamburg, Germany`: the title, and the
/// places after it (short parts with letters and no digits), as `Location: …` facts.
pub(crate) fn title_and_places(line: &str) -> (String, Vec<String>) {
    // "Machine Learning Scientist — Toronto, Canada": spaced dashes part a headline too.
    let line = line
        .replace(" — ", " · ")
        .replace(" – ", " · ")
        .replace(" - ", " · ");
    let mut parts = line
        .split(SEPARATORS)
        .map(str::trim)
        .filter(|part| !part.is_empty());
    let title = parts.next().unwrap_or_default().to_owned();
    let places = parts
        .filter(|part| {
            part.chars().count() <= 60
                && part.chars().any(char::is_alphabetic)
                && !part
                    .chars()
                    .any(|c| c.is_ascii_digit() || c == '@' || c == '/')
        })
        .map(|place| format!("Location: {place}"))
        .collect();
    (title, places)
}

/// `Email: a@b.c` → (`Some("Email")`, `a@b.c`); a part without a label is all value. A
/// label is a word or two, not the start of an address (`https:`, `site.example/x (https:`).
fn split_label(part: &str) -> (Option<&str>, &str) {
    match part.split_once(':') {
        Some((label, value))
            if label.split_whitespace().count() <= 2
                && !label.contains(['/', '.', '(', '@'])
                && !label.trim().eq_ignore_ascii_case("http")
                && !label.trim().eq_ignore_ascii_case("https") =>
        {
            (Some(label.trim()), value.trim())
        }
        _ => (None, part),
    }
}

fn is_email(word: &str) -> bool {
    let word = word
        .trim_start_matches("mailto:")
        .trim_matches(|c: char| "<>()[],;".contains(c));
    match word.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }
        None => false,
    }
}

fn is_url(word: &str) -> bool {
    let word = word.to_ascii_lowercase();
    word.starts_with("http://")
        || word.starts_with("https://")
        || word.starts_with("www.")
        || ["linkedin.com/", "github.com/", "gitlab.com/"]
            .iter()
            .any(|site| word.contains(site))
}

fn site_label(url: &str) -> &'static str {
    let lower = url.to_ascii_lowercase();
    if lower.contains("linkedin.") {
        "LinkedIn"
    } else if lower.contains("github.") {
        "GitHub"
    } else if lower.contains("gitlab.") {
        "GitLab"
    } else {
        "Website"
    }
}

/// Digits with the usual phone punctuation, at least seven digits of them.
fn is_phone(value: &str) -> bool {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    digits >= 7
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()./".contains(c) || c == '\u{a0}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_line_gives_labelled_facts() {
        assert_eq!(
            contact_facts(
                "Bengaluru, India · priya.raman@example.net · https://priya-raman.example.net"
            ),
            [
                "Email: priya.raman@example.net",
                "Website: https://priya-raman.example.net",
                "Location: Bengaluru, India"
            ]
        );
        assert_eq!(
            contact_facts("Phone: +44 20 7946 0321 | LinkedIn: linkedin.com/in/someone"),
            [
                "Phone: +44 20 7946 0321",
                "LinkedIn: linkedin.com/in/someone"
            ]
        );
    }

    #[test]
    fn a_markdown_link_gives_its_address_once() {
        assert_eq!(
            contact_facts(
                "a@example.de · linkedin.com/in/a-example (https://linkedin.com/in/a-example)"
            ),
            ["Email: a@example.de", "LinkedIn: linkedin.com/in/a-example"]
        );
    }

    #[test]
    fn a_line_without_contact_details_gives_nothing() {
        assert!(contact_facts("Frontend engineer with five years of experience").is_empty());
        assert!(contact_facts("2019 – 2022").is_empty());
    }
}
