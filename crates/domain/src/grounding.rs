//! Whether an answer came from the resume. The answerer (a model told so by the system prompt,
//! or the offline answerer) begins an answer the resume does not support with
//! [`NOT_IN_RESUME`]; the service takes the marker out before anyone sees the answer and
//! records it, so the owner can list what visitors asked that the resume did not answer.

/// What an answer that the resume does not support begins with.
pub const NOT_IN_RESUME: &str = "[NOT_IN_RESUME]";

/// Watches the beginning of a streamed answer for [`NOT_IN_RESUME`]: it holds back text that
/// may still turn out to be the marker (split over deltas, after leading whitespace), then
/// passes everything else on unchanged.
#[derive(Debug, Default)]
pub(crate) struct MarkerFilter {
    held: String,
    /// `Some(grounded)` once the beginning has been seen.
    decided: Option<bool>,
    /// Right after the marker: whitespace is dropped until the answer's first word.
    after_marker: bool,
}

impl MarkerFilter {
    /// The text of `delta` to pass on now (empty while the beginning is undecided). Once the
    /// beginning is decided, `delta` itself is passed on: no copy per piece.
    pub(crate) fn feed(&mut self, delta: String) -> String {
        if self.decided.is_some() {
            if !self.after_marker {
                return delta;
            }
            let text = delta.trim_start();
            self.after_marker = text.is_empty();
            return text.to_owned();
        }
        self.held.push_str(&delta);
        let start = self.held.trim_start();
        if start.len() >= NOT_IN_RESUME.len() {
            if let Some(rest) = start.strip_prefix(NOT_IN_RESUME) {
                self.decided = Some(false);
                let rest = rest.trim_start().to_owned();
                self.after_marker = rest.is_empty();
                self.held.clear();
                return rest;
            }
            self.decided = Some(true);
            return std::mem::take(&mut self.held);
        }
        if NOT_IN_RESUME.starts_with(start) {
            // Still possibly the marker (or only whitespace so far): wait for more.
            return String::new();
        }
        self.decided = Some(true);
        std::mem::take(&mut self.held)
    }

    /// What is still held when the answer ends: text that only looked like the start of the
    /// marker. After the marker itself, a marker-only answer leaves nothing.
    pub(crate) fn finish(&mut self) -> String {
        if self.decided.is_none() && self.held.trim_start() != NOT_IN_RESUME {
            self.decided = Some(true);
        }
        std::mem::take(&mut self.held)
    }

    /// False when the answer began with the marker.
    pub(crate) fn grounded(&self) -> bool {
        self.decided.unwrap_or(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(deltas: &[&str]) -> (String, bool) {
        let mut filter = MarkerFilter::default();
        let mut out: String = deltas
            .iter()
            .map(|d| filter.feed((*d).to_owned()))
            .collect();
        out.push_str(&filter.finish());
        (out, filter.grounded())
    }

    #[test]
    fn an_ordinary_answer_passes_unchanged() {
        assert_eq!(
            run(&["Maya ", "speaks ", "Swedish."]),
            ("Maya speaks Swedish.".into(), true)
        );
        assert_eq!(run(&["[link](x)"]), ("[link](x)".into(), true));
        assert_eq!(run(&["[", "NOT ", "really"]), ("[NOT really".into(), true));
        assert_eq!(run(&[]), (String::new(), true));
    }

    #[test]
    fn the_marker_is_taken_out_however_it_is_split() {
        let expected = ("The resume does not say.".to_owned(), false);
        assert_eq!(run(&["[NOT_IN_RESUME] The resume does not say."]), expected);
        assert_eq!(
            run(&[
                "[NOT",
                "_IN_",
                "RESUME]",
                "\n\nThe resume ",
                "does not say."
            ]),
            expected
        );
        assert_eq!(
            run(&["  ", "\n[NOT_IN_RESUME]The resume does not say."]),
            expected
        );
        assert_eq!(run(&["[NOT_IN_RESUME]"]), (String::new(), false));
    }

    #[test]
    fn a_marker_later_in_the_answer_is_text() {
        assert_eq!(
            run(&["She said [NOT_IN_RESUME] once."]),
            ("She said [NOT_IN_RESUME] once.".into(), true)
        );
    }

    #[test]
    fn the_answering_rules_ask_for_the_marker() {
        assert!(crate::prompt::ANSWERING_RULES.contains(NOT_IN_RESUME));
    }

    #[test]
    fn a_short_answer_that_looks_like_the_start_of_the_marker_is_kept() {
        assert_eq!(run(&["[NOT"]), ("[NOT".into(), true));
    }
}
