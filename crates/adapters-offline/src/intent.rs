//! What a question is about, in the words people use: "where did she study" is about the
//! education section even though no fact contains "study". Questions are routed to kinds of
//! section, and section headings are sorted into the same kinds.

/// The kinds of resume section a question can be routed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Category {
    Summary,
    Contact,
    Experience,
    Skills,
    SpokenLanguages,
    Education,
    Projects,
    Certifications,
    Awards,
    Publications,
    Volunteer,
    Interests,
    References,
    Other,
}

/// Sorts a section heading into a category by the words in it. Order matters: "Volunteer
/// experience" is volunteering, "Profiles" are contact links while "Profile" is a summary.
pub(crate) fn classify_heading(heading: &str) -> Category {
    let h = heading.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| h.contains(w));
    // "Languages" alone is spoken languages (JSON Resume's `languages`); "Programming
    // languages" is a skill.
    let spoken = has(&["spoken", "natural language", "human language"])
        || (has(&["language"]) && !has(&["programming", "skill", "tech", "coding"]));
    if spoken {
        Category::SpokenLanguages
    } else if has(&["volunteer", "community", "civic"]) {
        Category::Volunteer
    } else if has(&[
        "skill",
        "technolog",
        "stack",
        "tool",
        "competenc",
        "expertise",
        "programming",
        "framework",
    ]) {
        Category::Skills
    } else if has(&[
        "experience",
        "work",
        "employment",
        "career",
        "position",
        "history",
        "job",
    ]) {
        Category::Experience
    } else if has(&[
        "education",
        "academic",
        "degree",
        "school",
        "universit",
        "studies",
        "training",
    ]) {
        Category::Education
    } else if has(&["certif", "licen", "accreditation", "credential"]) {
        Category::Certifications
    } else if has(&["award", "honor", "honour", "achievement", "recognition"]) {
        Category::Awards
    } else if has(&["project", "portfolio", "open source"]) {
        Category::Projects
    } else if has(&["publication", "paper", "talk", "article", "writing"]) {
        Category::Publications
    } else if has(&["interest", "hobb"]) {
        Category::Interests
    } else if has(&["reference", "recommendation", "testimonial"]) {
        Category::References
    } else if has(&[
        "contact", "profiles", "links", "social", "basics", "personal",
    ]) {
        Category::Contact
    } else if has(&[
        "summary",
        "about",
        "profile",
        "overview",
        "objective",
        "introduction",
        "bio",
    ]) {
        Category::Summary
    } else {
        Category::Other
    }
}

/// A greeting or a thank-you, answered with a friendly line instead of facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SmallTalk {
    Greeting,
    Thanks,
    /// "ok", "cool": the visitor has what they wanted.
    Ack,
    Bye,
}

/// What routing made of a question.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Route {
    /// Categories the question is about, each with a weight in (0, 1].
    pub(crate) categories: Vec<(Category, f32)>,
    /// Resume vocabulary for the words people use ("study" → "degree"), as raw words.
    pub(crate) expansions: Vec<&'static str>,
    /// Resume vocabulary for the one thing a narrow cue names ("mail" → "email"): facts that
    /// contain it are what the answer should hold.
    pub(crate) focus_expansions: Vec<&'static str>,
    /// Words of the question that served only to pick a section ("study", "contact"): not
    /// content the answer must contain.
    pub(crate) cue_words: Vec<String>,
    /// Words of the narrow cues found ("routing protocols", "RTOS"): the question is about
    /// the resume when their expansions ("BGP", "FreeRTOS") are in it, though the words
    /// themselves are not.
    pub(crate) narrow_cue_words: Vec<String>,
    /// The question asks about now ("currently", "where does she work").
    pub(crate) current: bool,
    /// The question asks how much experience ("how many years", "senior").
    pub(crate) years: bool,
    /// The question asks who the person is: lead with name and title.
    pub(crate) who: bool,
    /// The question asks for the whole list ("all", "every", "list"): every entry, not the
    /// best few.
    pub(crate) all: bool,
    /// The question asks for the role before or after one it names ("where did she work
    /// before Douro Bank").
    pub(crate) order: Option<Order>,
}

/// Which neighbour of a named role a question asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    Before,
    After,
}

/// Cues for the role before the one named.
const BEFORE_CUES: &[&str] = &["before", "prior to", "previous to", "preceding"];

/// Cues for the role after the one named.
const AFTER_CUES: &[&str] = &["after", "after leaving", "following", "since leaving"];

impl Route {
    pub(crate) fn weight(&self, category: Category) -> f32 {
        self.categories
            .iter()
            .filter(|(c, _)| *c == category)
            .map(|(_, w)| *w)
            .fold(0.0, f32::max)
    }

    /// The weight of the most strongly routed category; 0 when not routed.
    pub(crate) fn strongest(&self) -> f32 {
        self.categories.iter().map(|(_, w)| *w).fold(0.0, f32::max)
    }

    fn add(&mut self, category: Category, weight: f32) {
        match self.categories.iter_mut().find(|(c, _)| *c == category) {
            Some((_, w)) => *w = w.max(weight),
            None => self.categories.push((category, weight)),
        }
    }
}

/// One routing rule: if any cue phrase occurs in the question (whole words), route to the
/// categories and add the expansion terms.
struct Rule {
    cues: &'static [&'static str],
    /// Phrases that, when present, stop this rule ("worked with Kafka" is about the skill).
    unless: &'static [&'static str],
    routes: &'static [(Category, f32)],
    expand: &'static [&'static str],
    /// A narrow rule names one thing inside a section ("email", "databases", "Swedish"): its
    /// cues and expansions are what the answer must contain, so facts matching them are
    /// preferred over the rest of the section. A broad rule ("contact", "skills") only says
    /// which section.
    narrow: bool,
}

use Category as C;

/// Names of human languages, so "Does she speak Swedish?" and "Any German?" go to spoken
/// languages even without the word "speak".
#[rustfmt::skip]
const HUMAN_LANGUAGES: &[&str] = &[
    "arabic", "bengali", "cantonese", "chinese", "czech", "danish", "dutch", "english", "estonian",
    "farsi", "finnish", "french", "german", "greek", "hausa", "hebrew", "hindi", "hungarian",
    "icelandic", "igbo", "indonesian", "italian", "japanese", "korean", "latvian", "lithuanian",
    "malay", "mandarin", "norwegian", "persian", "polish", "portuguese", "punjabi", "romanian",
    "russian", "serbian", "spanish", "swahili", "swedish", "tagalog", "tamil", "telugu", "thai",
    "turkish", "ukrainian", "urdu", "vietnamese", "yoruba",
];

/// Words that make "languages" mean programming languages.
#[rustfmt::skip]
const PROGRAMMING_HINTS: &[&str] = &[
    "programming", "program", "code", "coding", "codes", "tech", "technical", "software",
    "scripting", "computer",
];

/// Words that make "languages" mean spoken languages.
#[rustfmt::skip]
const SPOKEN_CUES: &[&str] = &[
    "speak", "speaks", "spoken", "speaking", "fluent", "fluency", "native", "mother tongue",
    "bilingual", "multilingual", "foreign", "human", "natural",
];

/// A broad rule: routes to sections.
const fn broad(
    cues: &'static [&'static str],
    unless: &'static [&'static str],
    routes: &'static [(Category, f32)],
    expand: &'static [&'static str],
) -> Rule {
    Rule {
        cues,
        unless,
        routes,
        expand,
        narrow: false,
    }
}

/// A narrow rule: routes to a section and names what to look for in it.
const fn narrow(
    cues: &'static [&'static str],
    routes: &'static [(Category, f32)],
    expand: &'static [&'static str],
) -> Rule {
    Rule {
        cues,
        unless: &[],
        routes,
        expand,
        narrow: true,
    }
}

#[rustfmt::skip]
const RULES: &[Rule] = &[
    // Skills
    narrow(
        &["programming", "program", "programs", "code", "coding", "codes", "scripting"],
        &[(C::Skills, 1.0)],
        &["programming", "languages"],
    ),
    broad(
        &[
            "stack", "tech", "techs", "technology", "technologies", "technical", "skill", "skills",
            "skillset", "proficient", "proficiency", "expertise", "expert", "good at", "familiar",
            "competencies", "strengths", "strength", "specialise", "specialize", "specialises",
            "specializes", "specialty",
        ],
        &[],
        &[(C::Skills, 1.0)],
        &["skills"],
    ),
    narrow(
        &["database", "databases", "db", "dbs", "storage", "datastores"],
        &[(C::Skills, 1.0)],
        &["databases", "storage"],
    ),
    narrow(
        &["cloud", "devops", "infrastructure", "infra"],
        &[(C::Skills, 1.0)],
        &["cloud", "devops", "aws", "azure", "gcp", "google cloud", "oci", "digitalocean"],
    ),
    narrow(
        &["framework", "frameworks", "library", "libraries"],
        &[(C::Skills, 1.0)],
        &["frameworks", "libraries"],
    ),
    narrow(&["tool", "tools", "tooling"], &[(C::Skills, 1.0)], &["tools"]),
    // Kinds of technology a resume names only by their members ("BGP", "FreeRTOS").
    narrow(
        &["routing protocol", "routing protocols"],
        &[(C::Skills, 1.0)],
        &["bgp", "ospf", "is-is", "isis", "eigrp", "mpls", "rip", "routing"],
    ),
    narrow(
        &["rtos", "real-time operating system", "real time operating system", "realtime os"],
        &[(C::Skills, 1.0)],
        &["rtos", "freertos", "zephyr", "qnx", "vxworks", "threadx", "nuttx", "riot"],
    ),
    // Managing people: resumes say "led", "supervises", "mentors", not "manage".
    narrow(
        &[
            "manage people", "managed people", "manages people", "managing people",
            "people management", "people manager", "line manager", "line management",
            "direct reports", "manage a team", "managed a team", "lead a team", "led a team",
            "leads a team", "team lead", "leadership", "supervise", "supervised", "mentor",
            "mentored", "mentoring", "manage anyone", "manage anybody", "manage others",
            "managing others", "line manage", "managed anyone", "manages anyone",
        ],
        // Mentoring is often a line of its own, among the other information.
        &[(C::Experience, 1.0), (C::Volunteer, 1.0), (C::Other, 1.0)],
        &[
            "led", "leads", "managed", "manages", "supervises", "supervised", "mentors",
            "mentored", "mentor", "team", "reports",
        ],
    ),
    narrow(
        &["lms", "learning management system", "learning platform", "learning platforms"],
        &[(C::Skills, 1.0)],
        &["lms", "moodle", "canvas", "blackboard", "docebo", "cornerstone", "totara", "brightspace"],
    ),
    // The right to work: "Work permit: EU Blue Card", "Citizenship", "Visa".
    narrow(
        &[
            "visa", "visas", "work permit", "sponsorship", "sponsor", "right to work",
            "work authorization", "work authorisation", "citizenship", "citizen", "blue card",
            "green card", "residency", "resident", "permanent resident",
        ],
        &[(C::Other, 1.0), (C::Summary, 0.5), (C::Contact, 0.5)],
        &[
            "visa", "permit", "citizen", "citizenship", "authorization", "authorisation",
            "blue card", "resident", "residency", "residence", "green card",
        ],
    ),
    // How and where someone works: facts say "Remote: hybrid", "Open to relocation".
    narrow(
        &[
            "remote", "remotely", "hybrid", "onsite", "on site", "on-site", "in office",
            "in the office", "work from home", "wfh", "office", "relocate", "relocation",
            "relocating", "willing to move", "move to", "remote work", "work remotely",
            "working remotely", "open to remote", "open to hybrid",
        ],
        &[(C::Other, 1.0), (C::Summary, 0.5), (C::Contact, 0.5)],
        &["remote", "hybrid", "onsite", "office", "relocation"],
    ),
    // Spoken languages
    broad(
        SPOKEN_CUES,
        // "Native" is also a word of software: React Native, cloud-native, native apps.
        &[
            "public speaking", "speaking at", "speak at", "spoke at", "react native", "cloud native",
            "native app", "native apps", "native mobile", "native android", "native ios",
            "native code",
        ],
        &[(C::SpokenLanguages, 1.0)],
        &["languages"],
    ),
    narrow(HUMAN_LANGUAGES, &[(C::SpokenLanguages, 1.0)], &[]),
    // Education
    broad(
        &[
            "study", "studied", "studies", "studying", "degree", "degrees", "university",
            "universities", "uni", "college", "school", "schools", "education", "educated",
            "educational", "graduate", "graduated", "graduation", "grad", "diploma", "academic",
            "academics", "major", "majored", "alma mater", "qualification", "qualifications",
        ],
        &[],
        &[(C::Education, 1.0)],
        &["education", "degree", "university", "institute"],
    ),
    narrow(
        &["master", "masters", "msc", "postgraduate"],
        &[(C::Education, 1.0)],
        &["master", "msc", "ma", "meng", "mphil"],
    ),
    narrow(
        &["bachelor", "bachelors", "bsc", "undergraduate", "undergrad"],
        &[(C::Education, 1.0)],
        &["bachelor", "bsc"],
    ),
    narrow(&["phd", "doctorate", "doctoral"], &[(C::Education, 1.0)], &["phd"]),
    // An MBA is often written out: "Master, Business Administration".
    narrow(
        &["mba", "m.b.a", "business administration"],
        &[(C::Education, 1.0)],
        &["mba", "business", "administration"],
    ),
    narrow(&["thesis", "dissertation"], &[(C::Education, 1.0)], &["thesis"]),
    // A file says "GPA", "grade" or "score" for the same thing: any of the words finds it.
    broad(
        &["gpa", "grade", "grades", "score", "marks"],
        &[],
        &[(C::Education, 1.0)],
        &["gpa", "score", "grade"],
    ),
    narrow(&["course", "courses", "coursework"], &[(C::Education, 1.0)], &["courses"]),
    // Experience
    broad(
        &[
            "work", "works", "worked", "working", "job", "jobs", "employer", "employers",
            "employed", "employment", "company", "companies", "firm", "role", "roles",
            "position", "positions", "career", "hired", "workplace", "organisation",
            "organization", "previous",
        ],
        &[
            "work with", "worked with", "working with", "works with", "work in", "worked in",
            "working in", "remote", "remotely", "hybrid", "work from home", "onsite", "on site",
        ],
        &[(C::Experience, 1.0)],
        &["experience"],
    ),
    broad(
        &[
            "work with", "worked with", "working with", "works with", "experience with",
            "experience in", "experienced in", "experienced with", "hands on",
        ],
        &[],
        &[(C::Skills, 0.6), (C::Experience, 0.6), (C::Projects, 0.3)],
        &[],
    ),
    broad(
        &["experience", "experienced", "background", "track record"],
        &["experience with", "experience in", "experienced in", "experienced with"],
        &[(C::Experience, 1.0)],
        &["experience"],
    ),
    // Money saved: resumes say "cut the bill by 35%", "reduced costs", "saved €1M". Not
    // "budget" or "spend": those ask what someone managed.
    narrow(
        &[
            "save money", "saved money", "saving money", "saves money", "savings", "cost",
            "costs", "cheaper", "bill",
        ],
        &[(C::Experience, 1.0), (C::Projects, 0.5)],
        &["cut", "reduced", "saved", "savings", "cost", "costs", "bill"],
    ),
    // Contact
    broad(
        &[
            "contact", "contacts", "contacted", "reach", "reached", "touch", "hire", "message",
            "dm", "social", "links", "link", "profiles", "profile",
        ],
        &[],
        &[(C::Contact, 1.0)],
        &["email", "phone", "linkedin", "github", "website"],
    ),
    narrow(&["email", "emails", "mail", "address"], &[(C::Contact, 1.0)], &["email"]),
    // "Has he been on call" is about incidents, not a phone number.
    Rule {
        cues: &["phone", "telephone", "call", "mobile", "cell"],
        unless: &["on call", "on-call", "oncall"],
        routes: &[(C::Contact, 1.0)],
        expand: &["phone"],
        narrow: true,
    },
    narrow(&["linkedin"], &[(C::Contact, 1.0)], &["linkedin"]),
    narrow(&["github", "gitlab"], &[(C::Contact, 1.0)], &["github", "gitlab"]),
    narrow(&["website", "site", "homepage", "url", "web page"], &[(C::Contact, 1.0)], &["website"]),
    narrow(
        &["twitter", "mastodon", "bluesky"],
        &[(C::Contact, 1.0)],
        &["twitter", "mastodon", "bluesky"],
    ),
    // The words people use for where someone is pick the section; the facts say "Location".
    broad(
        &[
            "based", "live", "lives", "living", "located", "location", "city", "country",
            "where is she from", "where is he from", "where are they from", "reside",
            "resides", "hometown",
        ],
        &[],
        &[(C::Contact, 0.9), (C::Summary, 0.3)],
        &["location"],
    ),
    // Projects
    broad(
        &[
            "project", "projects", "built", "build", "builds", "building", "side project",
            "open source", "opensource", "portfolio", "made", "created", "create", "creations",
            "hobby project", "repos", "repositories",
        ],
        &[],
        &[(C::Projects, 1.0)],
        &["projects"],
    ),
    // Certifications, awards, publications, volunteering, interests, references
    broad(
        &[
            "certified", "certification", "certifications", "certificate", "certificates",
            "cert", "certs", "certify", "accreditation", "accredited", "credential",
            "credentials", "license", "licenses", "licence", "licences",
        ],
        &[],
        &[(C::Certifications, 1.0)],
        &["certified", "certificates", "certifications"],
    ),
    broad(
        &[
            "award", "awards", "awarded", "prize", "prizes", "honor", "honors", "honour",
            "honours", "recognition", "recognised", "recognized",
        ],
        &[],
        &[(C::Awards, 1.0)],
        &["award", "awards", "honors"],
    ),
    broad(
        &[
            "publication", "publications", "published", "publish", "paper", "papers", "article",
            "articles", "blog", "blogs", "wrote", "written",
        ],
        &[],
        &[(C::Publications, 1.0)],
        &["publications", "published"],
    ),
    // Talks are often a line of their own ("Speaker at PyData 2023") outside publications.
    narrow(
        &[
            "talk", "talks", "conference", "conferences", "speaker", "public speaking",
            "speaking at", "keynote", "keynotes", "presented", "presentations", "meetup",
            "meetups",
        ],
        &[(C::Publications, 1.0), (C::Other, 0.8), (C::Summary, 0.5)],
        &["speaker", "talk", "talks", "keynote", "conference", "presented", "meetup"],
    ),
    broad(
        &[
            "volunteer", "volunteering", "volunteered", "community", "meetup", "meetups",
            "nonprofit", "non profit", "charity", "organiser", "organizer", "give back",
        ],
        &[],
        &[(C::Volunteer, 1.0)],
        &["volunteering"],
    ),
    broad(
        &[
            "hobby", "hobbies", "interest", "interests", "interested", "free time", "spare time",
            "for fun", "passion", "passions", "outside work", "outside of work", "pastime",
            "pastimes",
        ],
        &["hobby project"],
        &[(C::Interests, 1.0)],
        &["interests"],
    ),
    broad(
        &[
            "reference", "references", "recommend", "recommends", "recommendation",
            "recommendations", "testimonial", "testimonials", "vouch",
        ],
        &[],
        &[(C::References, 1.0)],
        &["references"],
    ),
];

/// Cues that make a question about who the person is.
#[rustfmt::skip]
const WHO_CUES: &[&str] = &[
    "summary", "summarize", "summarise", "introduce", "introduction", "overview", "bio",
    "biography", "in a nutshell", "title", "job title", "headline", "elevator pitch",
];

/// Cues that ask who the person is only when nothing more specific is asked: "who is she" is,
/// "who is her current employer" is not; "tell me about Maya" is, "tell me about her
/// experience with PostgreSQL" is not.
#[rustfmt::skip]
const WEAK_WHO_CUES: &[&str] = &[
    "who is", "who s", "who are", "tell me about", "about her", "about him", "about them",
    "about this person", "about the candidate", "what does she do", "what does he do",
    "what do they do", "describe", "in short", "name", "full name", "called",
];

/// Words of questions about something else than a person's resume ("what's the weather in
/// San Francisco"): declined even when they name a place or a thing the resume has, unless the
/// resume itself uses the word.
#[rustfmt::skip]
const OFF_TOPIC_WORDS: &[&str] = &[
    "weather", "forecast", "temperature", "raining", "rain", "snow", "snowing", "sunny",
    "news", "headlines", "stock", "stocks", "bitcoin", "crypto", "recipe", "recipes", "cook",
    "joke", "jokes", "lyrics", "song", "songs", "movie", "movies", "traffic", "flight",
    "flights", "lottery", "horoscope", "score of the game", "capital of", "population", "poem",
    "poems", "poetry", "essay", "limerick", "haiku",
];

/// The off-topic words of a question, to be checked against the resume's own vocabulary.
pub(crate) fn off_topic_words(words: &[String]) -> Vec<&'static str> {
    let text = phrase_text(words);
    OFF_TOPIC_WORDS
        .iter()
        .copied()
        .filter(|w| contains_cue(&text, w))
        .collect()
}

/// Every single word that routes a question, for typo correction ("studdy" → "study").
pub(crate) fn cue_vocabulary() -> impl Iterator<Item = &'static str> {
    RULES
        .iter()
        .flat_map(|rule| rule.cues.iter().copied())
        .chain(WHO_CUES.iter().copied())
        .chain(WEAK_WHO_CUES.iter().copied())
        .chain(CURRENT_CUES.iter().copied())
        .chain(YEARS_CUES.iter().copied())
        .chain([
            "work",
            "works",
            "worked",
            "working",
            "employed",
            "language",
            "languages",
        ])
        .filter(|cue| !cue.contains(' '))
}

/// Cues that ask about now.
#[rustfmt::skip]
const CURRENT_CUES: &[&str] = &[
    "currently", "current", "now", "today", "present", "presently", "at the moment", "these days",
    "latest", "most recent", "recent", "recently", "nowadays",
];

/// Cues that ask how much experience, answered with a count of years.
#[rustfmt::skip]
const YEARS_CUES: &[&str] = &[
    "how many years", "how long", "years of experience", "years experience", "year of", "years of",
    "how experienced", "how much experience", "senior", "seniority", "how senior",
    "experience level", "level of experience", "junior",
];

/// Words a greeting is made of; a greeting needs one of [`HELLO_WORDS`] too.
#[rustfmt::skip]
const GREETING_WORDS: &[&str] = &[
    "good", "morning", "afternoon", "evening", "day", "there", "how", "are", "you", "doing", "s",
    "it", "going", "what", "whats", "up", "sup", "all", "everyone", "again",
];

#[rustfmt::skip]
const HELLO_WORDS: &[&str] = &[
    "hi", "hello", "hey", "heya", "hiya", "howdy", "yo", "greetings", "hallo", "hej", "hola", "ola",
    "olá", "bonjour", "morning", "evening", "afternoon",
];

/// Words a thank-you or an acknowledgement is made of.
#[rustfmt::skip]
const THANKS_WORDS: &[&str] = &[
    "you", "much", "so", "very", "lot", "a", "that", "s", "it", "helpful", "many", "helps", "for",
    "the", "help", "info", "information", "answer", "answers", "was", "is", "really", "again",
    "all",
];

#[rustfmt::skip]
const THANK_WORDS: &[&str] = &[
    "thanks", "thank", "thx", "ty", "cheers", "tack", "obrigado", "obrigada", "gracias", "merci",
    "danke", "appreciated", "appreciate",
];

#[rustfmt::skip]
const ACK_WORDS: &[&str] = &[
    "ok", "okay", "k", "cool", "nice", "great", "awesome", "perfect", "got", "understood", "good",
    "excellent", "fine", "alright",
];

const BYE_WORDS: &[&str] = &["bye", "goodbye", "cya", "later", "see", "farewell", "ciao"];

/// `" w1 w2 … "`: the question's lower-case words with single spaces and a space at each end,
/// so that cues match whole words by plain substring search.
pub(crate) fn phrase_text(words: &[String]) -> String {
    let mut s = String::with_capacity(words.iter().map(|w| w.len() + 1).sum::<usize>() + 1);
    s.push(' ');
    for w in words {
        s.push_str(w);
        s.push(' ');
    }
    s
}

/// Whether `cue` occurs in `text` (from [`phrase_text`]) as whole words. Checked for every cue
/// of every rule on each question, so the padded needle is built on the stack.
fn contains_cue(text: &str, cue: &str) -> bool {
    const ROOM: usize = 64;
    let mut buffer = [b' '; ROOM];
    match buffer.get_mut(1..=cue.len()) {
        Some(middle) if cue.len() + 2 <= ROOM => {
            middle.copy_from_slice(cue.as_bytes());
            std::str::from_utf8(&buffer[..cue.len() + 2]).is_ok_and(|needle| text.contains(needle))
        }
        _ => text.contains(&format!(" {cue} ")),
    }
}

/// Routes a question given as lower-case words. `name_words` are the lower-case words of the
/// person's name: "about Maya" is a who-question, and a bare name is one too.
pub(crate) fn route(words: &[String], name_words: &[String]) -> Route {
    let text = phrase_text(words);
    let mut route = Route::default();
    let mark = |route: &mut Route, cue: &str| {
        route.cue_words.extend(cue.split(' ').map(str::to_owned));
    };

    // "languages" alone leans to programming languages, with spoken ones close behind. The
    // word stays content: facts that say "languages" are the ones to show.
    if contains_cue(&text, "language") || contains_cue(&text, "languages") {
        let programming = PROGRAMMING_HINTS.iter().any(|c| contains_cue(&text, c));
        let spoken = SPOKEN_CUES.iter().any(|c| contains_cue(&text, c))
            || HUMAN_LANGUAGES.iter().any(|c| contains_cue(&text, c));
        match (programming, spoken) {
            (true, false) => route.add(C::Skills, 1.0),
            (false, true) => route.add(C::SpokenLanguages, 1.0),
            _ => {
                route.add(C::Skills, 1.0);
                route.add(C::SpokenLanguages, 0.8);
            }
        }
        if !spoken || programming {
            route.focus_expansions.push("programming");
        }
        route.focus_expansions.push("languages");
    }

    for rule in RULES {
        if rule.unless.iter().any(|u| contains_cue(&text, u)) {
            continue;
        }
        let hits: Vec<&str> = rule
            .cues
            .iter()
            .copied()
            .filter(|c| contains_cue(&text, c))
            .collect();
        if hits.is_empty() {
            continue;
        }
        for (category, weight) in rule.routes {
            route.add(*category, *weight);
        }
        if rule.narrow {
            // Narrow cues stay content: "Swedish" must be found, not just routed.
            route.focus_expansions.extend(rule.expand.iter().copied());
            for hit in hits {
                route
                    .narrow_cue_words
                    .extend(hit.split(' ').map(str::to_owned));
            }
        } else {
            for hit in hits {
                mark(&mut route, hit);
            }
            route.expansions.extend(rule.expand.iter().copied());
        }
    }

    let asks_now = CURRENT_CUES.iter().any(|c| contains_cue(&text, c));
    let mut who_hits: Vec<&str> = WHO_CUES
        .iter()
        .copied()
        .filter(|c| contains_cue(&text, c))
        .collect();
    // "Her most recent job title" is about the latest role, not the headline of the resume.
    if asks_now && who_hits.iter().any(|c| c.contains("title")) {
        who_hits.retain(|c| !c.contains("title"));
        mark(&mut route, "title");
        mark(&mut route, "job");
        route.add(C::Experience, 1.0);
    }
    let weak_hits: Vec<&str> = WEAK_WHO_CUES
        .iter()
        .copied()
        .filter(|c| contains_cue(&text, c))
        .collect();
    // Words that are neither filler, nor the name, nor part of a who-cue: a specific question.
    let specific = words.iter().any(|w| {
        !crate::text::is_stop_word(w)
            && !name_words.contains(w)
            && !weak_hits.iter().any(|c| c.split(' ').any(|p| p == w))
    });
    if !specific {
        who_hits.extend(weak_hits);
    }
    // Only the name, nothing else ("Maya?", "Tomás Okafor").
    let bare_name = words.iter().any(|w| name_words.contains(w)) && !specific;
    if !who_hits.is_empty() || bare_name {
        for hit in who_hits {
            mark(&mut route, hit);
        }
        route.who = true;
        route.add(C::Summary, 1.0);
        route.expansions.push("summary");
    }

    let work_now = ["where does", "where do", "where is"]
        .iter()
        .any(|c| contains_cue(&text, c))
        && ["work", "works", "working", "employed"]
            .iter()
            .any(|c| contains_cue(&text, c));
    let current_hits: Vec<&str> = CURRENT_CUES
        .iter()
        .copied()
        .filter(|c| contains_cue(&text, c))
        .collect();
    if work_now || !current_hits.is_empty() {
        for hit in current_hits {
            mark(&mut route, hit);
        }
        route.current = true;
    }

    let years_hits: Vec<&str> = YEARS_CUES
        .iter()
        .copied()
        .filter(|c| contains_cue(&text, c))
        .collect();
    if !years_hits.is_empty() {
        for hit in years_hits {
            mark(&mut route, hit);
        }
        route.years = true;
        route.add(C::Experience, 1.0);
    }

    route.all = ALL_CUES.iter().any(|c| contains_cue(&text, c));
    // Whether the named thing is a role is for the answerer to find out.
    let before = BEFORE_CUES.iter().copied().find(|c| contains_cue(&text, c));
    let after = AFTER_CUES.iter().copied().find(|c| contains_cue(&text, c));
    if let Some(cue) = before.or(after) {
        mark(&mut route, cue);
        route.order = Some(if before.is_some() {
            Order::Before
        } else {
            Order::After
        });
    }

    route.cue_words.sort_unstable();
    route.cue_words.dedup();
    route
}

/// Cues that ask for every entry of a section.
#[rustfmt::skip]
const ALL_CUES: &[&str] = &[
    "all", "every", "each", "list", "complete", "full list", "everything", "everywhere",
];

/// A question that is only a greeting, thanks or goodbye; `None` for anything with content.
pub(crate) fn small_talk(words: &[String], name_words: &[String]) -> Option<SmallTalk> {
    let words: Vec<&str> = words
        .iter()
        .filter(|w| !name_words.contains(w))
        .map(String::as_str)
        .collect();
    if words.is_empty() {
        return None;
    }
    let any = |set: &[&str]| words.iter().any(|w| set.contains(w));
    let only = |sets: &[&[&str]]| words.iter().all(|w| sets.iter().any(|s| s.contains(w)));
    let polite: &[&[&str]] = &[THANKS_WORDS, THANK_WORDS, ACK_WORDS, BYE_WORDS, HELLO_WORDS];
    if any(BYE_WORDS) && only(polite) {
        Some(SmallTalk::Bye)
    } else if any(THANK_WORDS) && only(polite) {
        Some(SmallTalk::Thanks)
    } else if any(ACK_WORDS) && only(&[ACK_WORDS, THANKS_WORDS]) {
        Some(SmallTalk::Ack)
    } else if any(HELLO_WORDS) && only(&[HELLO_WORDS, GREETING_WORDS]) {
        Some(SmallTalk::Greeting)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(q: &str) -> Vec<String> {
        crate::text::lower_words(q)
    }

    fn route_of(q: &str) -> Route {
        route(&words(q), &words("Maya Lindqvist"))
    }

    #[test]
    fn headings_are_classified() {
        let cases = [
            ("Skills", C::Skills),
            ("Technical Skills", C::Skills),
            ("Languages", C::SpokenLanguages),
            ("Programming Languages", C::Skills),
            ("Experience", C::Experience),
            ("Work", C::Experience),
            ("Volunteer", C::Volunteer),
            ("Education", C::Education),
            ("Certificates", C::Certifications),
            ("Certifications", C::Certifications),
            ("Projects", C::Projects),
            ("Awards", C::Awards),
            ("Publications", C::Publications),
            ("Interests", C::Interests),
            ("References", C::References),
            ("Contact", C::Contact),
            ("Profiles", C::Contact),
            ("Summary", C::Summary),
            ("Miscellany", C::Other),
        ];
        for (heading, expected) in cases {
            assert_eq!(classify_heading(heading), expected, "{heading}");
        }
    }

    #[test]
    fn routes_everyday_words_to_sections() {
        let cases = [
            ("Where did she study?", C::Education),
            ("What's their tech stack?", C::Skills),
            ("How can I contact them?", C::Contact),
            ("What's her email?", C::Contact),
            ("What projects has she built?", C::Projects),
            ("Any certifications?", C::Certifications),
            ("Does she speak Swedish?", C::SpokenLanguages),
            ("Where does she work?", C::Experience),
            ("Tell me about Maya", C::Summary),
            ("What are her hobbies?", C::Interests),
        ];
        for (q, expected) in cases {
            let r = route_of(q);
            assert_eq!(r.weight(expected), 1.0, "{q}: {r:?}");
        }
    }

    #[test]
    fn languages_lean_to_programming_unless_spoken() {
        let r = route_of("What languages does she know?");
        assert!(r.weight(C::Skills) > r.weight(C::SpokenLanguages));
        assert!(r.weight(C::SpokenLanguages) > 0.0);
        let r = route_of("Which programming languages?");
        assert_eq!(r.weight(C::SpokenLanguages), 0.0);
        let r = route_of("What languages does she speak?");
        assert_eq!(r.weight(C::Skills), 0.0);
        assert_eq!(r.weight(C::SpokenLanguages), 1.0);
    }

    #[test]
    fn flags_current_and_years_questions() {
        assert!(route_of("Where does she work now?").current);
        assert!(route_of("Where does she work?").current);
        assert!(!route_of("Where has she worked?").current);
        assert!(route_of("How many years of experience?").years);
        assert!(route_of("Is she senior?").years);
        assert!(route_of("Who is Maya Lindqvist?").who);
        assert!(route_of("Maya?").who);
        assert!(route_of("Tell me about her").who);
        assert!(!route_of("Who is her current employer?").who);
        assert!(!route_of("Tell me about her experience with PostgreSQL").who);
        assert!(!route_of("What does she do at Northwind?").who);
    }

    #[test]
    fn native_in_a_technology_is_not_a_spoken_language() {
        assert_eq!(
            route_of("Has she used React Native?").weight(C::SpokenLanguages),
            0.0
        );
        assert_eq!(
            route_of("Is she a native speaker?").weight(C::SpokenLanguages),
            1.0
        );
    }

    #[test]
    fn remote_work_is_not_a_question_about_roles() {
        let r = route_of("Is he open to remote work?");
        assert_eq!(r.weight(C::Experience), 0.0);
        assert_eq!(r.weight(C::Other), 1.0);
    }

    #[test]
    fn before_and_after_ask_for_a_neighbouring_role() {
        assert_eq!(
            route_of("Where did she work before Douro Bank?").order,
            Some(Order::Before)
        );
        assert_eq!(
            route_of("What did he do after Acme?").order,
            Some(Order::After)
        );
        assert_eq!(route_of("Where did she work?").order, None);
    }

    #[test]
    fn worked_with_is_about_skills_too() {
        let r = route_of("Has she worked with Kafka?");
        assert!(r.weight(C::Skills) > 0.0);
        assert!(r.weight(C::Experience) < 1.0);
    }

    #[test]
    fn off_topic_questions_route_nowhere() {
        for q in [
            "What's the weather like?",
            "Give me a recipe for pancakes",
            "Who won the world cup?",
            "Write me a poem",
        ] {
            assert!(route_of(q).categories.is_empty(), "{q}: {:?}", route_of(q));
        }
    }

    #[test]
    fn recognises_small_talk() {
        let name = words("Maya Lindqvist");
        assert_eq!(small_talk(&words("Hi!"), &name), Some(SmallTalk::Greeting));
        assert_eq!(
            small_talk(&words("hello there"), &name),
            Some(SmallTalk::Greeting)
        );
        assert_eq!(
            small_talk(&words("Hey, what's up?"), &name),
            Some(SmallTalk::Greeting)
        );
        assert_eq!(
            small_talk(&words("Thanks a lot!"), &name),
            Some(SmallTalk::Thanks)
        );
        assert_eq!(
            small_talk(&words("thank you"), &name),
            Some(SmallTalk::Thanks)
        );
        assert_eq!(small_talk(&words("ok, cool"), &name), Some(SmallTalk::Ack));
        assert_eq!(
            small_talk(&words("Thanks, bye!"), &name),
            Some(SmallTalk::Bye)
        );
        assert_eq!(small_talk(&words("what's up with her skills"), &name), None);
        assert_eq!(small_talk(&words("good"), &name), Some(SmallTalk::Ack));
        assert_eq!(small_talk(&words("hi, where did she study?"), &name), None);
        assert_eq!(small_talk(&words("Maya"), &name), None);
        assert_eq!(small_talk(&words(""), &name), None);
    }
}
