//! The offline answerer on resumes it was not built on: twenty-two fictional people in every
//! format (the original service's JSON, the full JSON Resume schema, Markdown, plain text, PDF,
//! DOCX, two-column PDF and DOCX), with recruiter questions written before the answerer ever
//! saw the files. Each row says what a right answer must hold, and what it must not (an
//! invented fact, or "does not say" when the resume does say). The share of right answers is
//! printed; the test holds it above a floor.
//!
//! Each batch was run once as written, its first-run score noted above it, and its misses then
//! fixed: so the table as a whole is no longer held out, and its share (100 %) is not the
//! answerer's accuracy on a new resume. That is the first-run scores. Batches 4 and 6 to 13,
//! run while each batch still found new kinds of misses: 224 of 253 (89 %). Batches 14 to 20,
//! seven resumes, one in each format and a second in the original service's JSON, run after
//! those fixes: 203 of 210 (97 %).

use std::path::{Path, PathBuf};

use adapters_offline::OfflineAnswerer;

/// The start of the answer to a question the resume has nothing on.
const DOES_NOT_SAY: &str = "The resume does not say";

const DECLAN: &str = "original-service.json";
const INGRID: &str = "jsonresume-full.json";
const AOIFE_PDF: &str = "aoife-brennan.pdf";
const AOIFE_DOCX: &str = "aoife-brennan.docx";
const JONAS: &str = "jonas-weber-two-columns.pdf";
const SOLVEIG: &str = "solveig-berntsen-three-pages.pdf";
const KEMAL: &str = "kemal-arslan.md";
const LUCIA: &str = "lucia-ferreira.txt";
const TOMASZ: &str = "tomasz-wisniewski.docx";
const AMARA: &str = "amara-okonkwo-schulz.md";
const CHIARA: &str = "chiara-bellandi.json";
const RAFAEL: &str = "rafael-dominguez-ortega.pdf";
const YUKI: &str = "yuki-tanaka.json";
const MARGIT: &str = "margit-halvorsen.txt";
const KWAME: &str = "kwame-asante-two-columns.docx";
const HAMID: &str = "hamid-rahimi.md";
const NGOZI: &str = "ngozi-eze.json";
const ELODIE: &str = "elodie-marchand.pdf";
const AARAV: &str = "aarav-mehta.md";
const FATIMA: &str = "fatima-al-sayed.json";
const PIETER: &str = "pieter-van-der-berg.docx";
const LENA: &str = "lena-hoffmann.txt";
const INES: &str = "ines-carvalho.json";

/// (file, question, all of these, none of these)
type Row = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

const ROWS: &[Row] = &[
    // Declan Moyo: the original service's JSON format.
    (
        DECLAN,
        "Did he work on VLAN automation?",
        &["VLAN provisioning"],
        &[DOES_NOT_SAY],
    ),
    (
        DECLAN,
        "What's his tech stack at Lough Leane?",
        &["Nornir", "NetBox"],
        &[DOES_NOT_SAY],
    ),
    (
        DECLAN,
        "Which cloud platforms does he know?",
        &["AWS Transit Gateway"],
        &[DOES_NOT_SAY],
    ),
    (DECLAN, "Where is he based?", &["Cork"], &[DOES_NOT_SAY]),
    (DECLAN, "What was his GPA?", &["3.7"], &[DOES_NOT_SAY]),
    (
        DECLAN,
        "What is his email?",
        &["declan.moyo@example.net"],
        &[DOES_NOT_SAY],
    ),
    (
        DECLAN,
        "What certifications does he hold?",
        &["CCNP", "JNCIA"],
        &[DOES_NOT_SAY],
    ),
    (
        DECLAN,
        "Where does he work now?",
        &["Lough Leane Telecom"],
        &[DOES_NOT_SAY],
    ),
    (
        DECLAN,
        "What are his hobbies?",
        &["Sea swimming"],
        &[DOES_NOT_SAY],
    ),
    (
        DECLAN,
        "What is his notice period?",
        &["one month"],
        &[DOES_NOT_SAY],
    ),
    (DECLAN, "Does he know Kubernetes?", &[DOES_NOT_SAY], &[]),
    (
        DECLAN,
        "What's the weather in Cork today?",
        &[DOES_NOT_SAY],
        &["Cork, Ireland"],
    ),
    // Ingrid Halvorsen: every field of JSON Resume.
    (
        INGRID,
        "What is her name?",
        &["Ingrid Halvorsen"],
        &[DOES_NOT_SAY],
    ),
    (
        INGRID,
        "Where does she live?",
        &["San Francisco"],
        &[DOES_NOT_SAY],
    ),
    (
        INGRID,
        "What was her score at university?",
        &["4.0"],
        &[DOES_NOT_SAY],
    ),
    (
        INGRID,
        "Which courses did she take?",
        &["Software Security"],
        &[DOES_NOT_SAY],
    ),
    (
        INGRID,
        "What does Middle Out Media do?",
        &["compression company"],
        &[DOES_NOT_SAY],
    ),
    (
        INGRID,
        "What awards has she won?",
        &["Best Paper"],
        &[DOES_NOT_SAY],
    ),
    (
        INGRID,
        "What has she published?",
        &["Context Mixing for Archival Video"],
        &[DOES_NOT_SAY],
    ),
    (
        INGRID,
        "What languages does she speak?",
        &["Norwegian"],
        &[DOES_NOT_SAY],
    ),
    (
        INGRID,
        "Does she volunteer?",
        &["Code Club"],
        &[DOES_NOT_SAY],
    ),
    (
        INGRID,
        "What are her interests?",
        &["Sailing"],
        &[DOES_NOT_SAY],
    ),
    (
        INGRID,
        "What did Erik Lund say about her?",
        &["30% smaller"],
        &[DOES_NOT_SAY],
    ),
    (
        INGRID,
        "What was her most recent job title?",
        &["Chief Compression Officer"],
        &[DOES_NOT_SAY],
    ),
    (
        INGRID,
        "Is she on GitHub?",
        &["ingrid-h-example"],
        &[DOES_NOT_SAY],
    ),
    (
        INGRID,
        "Tell me about the squeeze project",
        &["benchmark suite"],
        &[DOES_NOT_SAY],
    ),
    (
        INGRID,
        "wher did she studdy?",
        &["University of Bergen"],
        &[DOES_NOT_SAY],
    ),
    (
        INGRID,
        "What's the weather in San Francisco today?",
        &[DOES_NOT_SAY],
        &["2712 Broadway"],
    ),
    // Aoife Brennan: a PDF, and the same resume as DOCX.
    (
        AOIFE_PDF,
        "What is her email address?",
        &["aoife.brennan@example.com"],
        &[DOES_NOT_SAY],
    ),
    (
        AOIFE_PDF,
        "What's her phone number?",
        &["+44 20 7946 0321"],
        &[DOES_NOT_SAY],
    ),
    (
        AOIFE_PDF,
        "Where is she located?",
        &["Manchester"],
        &[DOES_NOT_SAY],
    ),
    (
        AOIFE_PDF,
        "Has she used Airflow?",
        &["Airflow"],
        &[DOES_NOT_SAY],
    ),
    (
        AOIFE_PDF,
        "Where did she study?",
        &["University of Leeds"],
        &[DOES_NOT_SAY],
    ),
    (
        AOIFE_PDF,
        "Which companies has she worked for?",
        &["Pennine Grocers", "Mersey Analytics"],
        &[DOES_NOT_SAY],
    ),
    (
        AOIFE_DOCX,
        "What is her email address?",
        &["aoife.brennan@example.com"],
        &[DOES_NOT_SAY],
    ),
    (
        AOIFE_DOCX,
        "What did she do at Pennine Grocers?",
        &["Airflow"],
        &[DOES_NOT_SAY],
    ),
    (
        AOIFE_DOCX,
        "What skills does she have?",
        &["Snowflake"],
        &[DOES_NOT_SAY],
    ),
    (AOIFE_DOCX, "Does she know Java?", &[DOES_NOT_SAY], &[]),
    // Jonas Weber: a PDF in two columns.
    (
        JONAS,
        "What's his email?",
        &["jonas.weber@example.de"],
        &[DOES_NOT_SAY],
    ),
    (JONAS, "Where is he based?", &["Leipzig"], &[DOES_NOT_SAY]),
    (JONAS, "Does he know Rust?", &["Rust"], &[DOES_NOT_SAY]),
    (
        JONAS,
        "What languages does he speak?",
        &["German"],
        &[DOES_NOT_SAY],
    ),
    (
        JONAS,
        "Where does he work?",
        &["Saxonia Mobility"],
        &[DOES_NOT_SAY],
    ),
    (
        JONAS,
        "Where did he study?",
        &["TU Dresden"],
        &[DOES_NOT_SAY],
    ),
    // A second batch, written after the first had been answered and before these were run.
    (
        DECLAN,
        "Tell me about the Backerei Muller project",
        &["Bäckerei Müller"],
        &[DOES_NOT_SAY],
    ),
    (
        DECLAN,
        "Has he built anything for a client in Zurich?",
        &["Zürich"],
        &[DOES_NOT_SAY],
    ),
    (
        DECLAN,
        "What is his phone number?",
        &["+353 85 555 0142"],
        &[DOES_NOT_SAY],
    ),
    (
        DECLAN,
        "Which routing protocols does he know?",
        &["BGP"],
        &[DOES_NOT_SAY],
    ),
    (
        DECLAN,
        "Where did he go to university?",
        &["Munster Technological University"],
        &[DOES_NOT_SAY],
    ),
    (
        DECLAN,
        "Is he open to remote work?",
        &["hybrid"],
        &[DOES_NOT_SAY],
    ),
    (DECLAN, "Does he speak Japanese?", &[DOES_NOT_SAY], &[]),
    (
        INGRID,
        "Where did she work before?",
        &["Middle Out Media"],
        &[DOES_NOT_SAY],
    ),
    (
        INGRID,
        "What is she certified in?",
        &["Kubernetes Administrator"],
        &[DOES_NOT_SAY],
    ),
    (
        INGRID,
        "What did she study?",
        &["Computer Science"],
        &[DOES_NOT_SAY],
    ),
    (
        INGRID,
        "Whats her websit?",
        &["ingrid-halvorsen.example.org"],
        &[DOES_NOT_SAY],
    ),
    (INGRID, "Can she code in Rust?", &["Rust"], &[DOES_NOT_SAY]),
    (
        INGRID,
        "Who is the capital of France?",
        &[DOES_NOT_SAY],
        &[],
    ),
    (
        AOIFE_PDF,
        "How can I contact her?",
        &["aoife.brennan@example.com"],
        &[DOES_NOT_SAY],
    ),
    (
        AOIFE_PDF,
        "What does she do at Pennine Grocers?",
        &["Airflow"],
        &[DOES_NOT_SAY],
    ),
    (
        AOIFE_PDF,
        "Does she have experience with Kafka?",
        &["Kafka"],
        &[DOES_NOT_SAY],
    ),
    (
        AOIFE_DOCX,
        "Where is she based?",
        &["Manchester"],
        &[DOES_NOT_SAY],
    ),
    (
        AOIFE_DOCX,
        "What degree does she have?",
        &["MSc Data Science"],
        &[DOES_NOT_SAY],
    ),
    (
        JONAS,
        "What is his phone number?",
        &["+49 30 5550 1234"],
        &[DOES_NOT_SAY],
    ),
    (
        JONAS,
        "Which RTOS has he used?",
        &["Zephyr"],
        &[DOES_NOT_SAY],
    ),
    (
        JONAS,
        "What did he do at Elbtal Sensorik?",
        &["Zephyr"],
        &[DOES_NOT_SAY],
    ),
    // Nine employers: "all" must give all of them.
    (
        SOLVEIG,
        "List all the companies she has worked for",
        &[
            "Fjordline Shipping",
            "Nordlys Energy",
            "Kattegat Payments",
            "Skagerrak Games",
            "Vestland Media",
            "Bergen Robotics",
            "University of Tromsø",
            "Lofoten Hosting",
        ],
        &[DOES_NOT_SAY],
    ),
    (
        SOLVEIG,
        "Where does she work now?",
        &["Fjordline Shipping"],
        &[DOES_NOT_SAY, "Nordlys"],
    ),
    (INGRID, "What was her GPA?", &["4.0"], &[DOES_NOT_SAY]),
    (
        DECLAN,
        "What grade did he graduate with?",
        &["3.7"],
        &[DOES_NOT_SAY],
    ),
    // A fourth batch on a sixth resume, written and run once after every change above.
    (
        KEMAL,
        "What is his email?",
        &["kemal.arslan@example.com"],
        &[DOES_NOT_SAY],
    ),
    (KEMAL, "Where is he based?", &["İzmir"], &[DOES_NOT_SAY]),
    (
        KEMAL,
        "Where does he work now?",
        &["Ege Kargo"],
        &[DOES_NOT_SAY, "Anadolu"],
    ),
    (
        KEMAL,
        "How did he reduce downtime?",
        &["active-active"],
        &[DOES_NOT_SAY],
    ),
    (KEMAL, "Has he used Patroni?", &["Patroni"], &[DOES_NOT_SAY]),
    (
        KEMAL,
        "Which databases does he know?",
        &["Cassandra"],
        &[DOES_NOT_SAY],
    ),
    (
        KEMAL,
        "What languages does he speak?",
        &["Turkish"],
        &[DOES_NOT_SAY],
    ),
    (
        KEMAL,
        "Where did he study?",
        &["Dokuz Eylül University"],
        &[DOES_NOT_SAY],
    ),
    (KEMAL, "Does he know Rust?", &[DOES_NOT_SAY], &[]),
    (
        KEMAL,
        "List all the companies he worked for",
        &["Ege Kargo", "Boğaziçi Ödeme", "Anadolu Hosting"],
        &[DOES_NOT_SAY],
    ),
    (KEMAL, "Has he been on call?", &["on-call"], &[DOES_NOT_SAY]),
    (
        KEMAL,
        "What monitoring tools does he use?",
        &["Prometheus"],
        &[DOES_NOT_SAY],
    ),
    (
        KEMAL,
        "Tell me about his work at Bogazici Odeme",
        &["PostgreSQL clusters"],
        &[DOES_NOT_SAY],
    ),
    (KEMAL, "What's the capital of Turkey?", &[DOES_NOT_SAY], &[]),
    (
        KEMAL,
        "wat is his job titel?",
        &["Site Reliability Engineer"],
        &[DOES_NOT_SAY],
    ),
    // A fifth batch on a seventh resume (plain text), written and run once after the fix for
    // "on call" that batch 4 showed.
    (
        LUCIA,
        "What is her email?",
        &["lucia.ferreira@example.pt"],
        &[DOES_NOT_SAY],
    ),
    (
        LUCIA,
        "What's her phone number?",
        &["+351 910 555 777"],
        &[DOES_NOT_SAY],
    ),
    (LUCIA, "Where does she live?", &["Porto"], &[DOES_NOT_SAY]),
    (
        LUCIA,
        "Where does she work now?",
        &["Douro Bank"],
        &[DOES_NOT_SAY, "Foz Digital"],
    ),
    (
        LUCIA,
        "Does she know SwiftUI?",
        &["SwiftUI"],
        &[DOES_NOT_SAY],
    ),
    (
        LUCIA,
        "Has she worked with Kotlin Multiplatform?",
        &["Kotlin Multiplatform"],
        &[DOES_NOT_SAY],
    ),
    (
        LUCIA,
        "How much did she improve start-up time?",
        &["0.9 s"],
        &[DOES_NOT_SAY],
    ),
    // The row first asked for "WCAG"; the answer quoted "Focused on accessibility", which is
    // right, so the row was wrong.
    (
        LUCIA,
        "Does she care about accessibility?",
        &["accessibility"],
        &[DOES_NOT_SAY],
    ),
    (
        LUCIA,
        "Where did she study?",
        &["University of Porto"],
        &[DOES_NOT_SAY],
    ),
    (
        LUCIA,
        "What languages does she speak?",
        &["Portuguese"],
        &[DOES_NOT_SAY],
    ),
    (
        LUCIA,
        "Is she certified?",
        &["Associate Android Developer"],
        &[DOES_NOT_SAY],
    ),
    (LUCIA, "Does she know Flutter?", &[DOES_NOT_SAY], &[]),
    (
        LUCIA,
        "What is her LinkedIn?",
        &["linkedin.com/in/lucia-ferreira-example"],
        &[DOES_NOT_SAY],
    ),
    (
        LUCIA,
        "What did she do at Ribeira Apps?",
        &["grocery delivery"],
        &[DOES_NOT_SAY],
    ),
    (
        LUCIA,
        "List every company she has worked for",
        &["Douro Bank", "Ribeira Apps", "Foz Digital"],
        &[DOES_NOT_SAY],
    ),
    (LUCIA, "Has she been on call?", &[DOES_NOT_SAY], &["Phone:"]),
    (
        LUCIA,
        "What's the weather in Porto?",
        &[DOES_NOT_SAY],
        &["Porto, Portugal"],
    ),
    (
        LUCIA,
        "wher did she wrk before Douro Bank?",
        &["Ribeira Apps"],
        &[DOES_NOT_SAY],
    ),
    (
        LUCIA,
        "Has she used React Native?",
        &["React Native"],
        &[DOES_NOT_SAY],
    ),
    // The row first asked for the name in two spellings at once, which no answer can hold.
    (
        LUCIA,
        "What is her name?",
        &["LUCIA FERREIRA"],
        &[DOES_NOT_SAY],
    ),
    (
        SOLVEIG,
        "What did she study?",
        &["MSc Computer Science"],
        &[DOES_NOT_SAY],
    ),
    // A sixth batch on an eighth resume (DOCX, a structural engineer: no software career),
    // written before the file was first loaded and run once after the fixes batch 5 showed:
    // 25 of 28 right on that first run (89 %). The misses ("wat sofware does he no",
    // "free time" with the interests inside "Additional information", "manage people" for
    // "Supervises") were fixed afterwards, so this batch is no longer held out either.
    (
        TOMASZ,
        "What is his email?",
        &["tomasz.wisniewski@example.pl"],
        &[DOES_NOT_SAY],
    ),
    (
        TOMASZ,
        "What's his phone number?",
        &["+48 600 123 456"],
        &[DOES_NOT_SAY],
    ),
    (TOMASZ, "Where is he based?", &["Łódź"], &[DOES_NOT_SAY]),
    (TOMASZ, "Does he live in Lodz?", &["Łódź"], &[DOES_NOT_SAY]),
    (
        TOMASZ,
        "Where does he work now?",
        &["Wisła Konstrukcje"],
        &[DOES_NOT_SAY, "Baltic Frame Design"],
    ),
    (
        TOMASZ,
        "What is his current job title?",
        &["Senior Structural Engineer"],
        &[DOES_NOT_SAY],
    ),
    (
        TOMASZ,
        "Has he used Tekla?",
        &["Tekla Structures"],
        &[DOES_NOT_SAY],
    ),
    (TOMASZ, "Does he know ETABS?", &["does not"], &[]),
    (
        TOMASZ,
        "What did he study?",
        &["Civil Engineering"],
        &[DOES_NOT_SAY],
    ),
    (
        TOMASZ,
        "What was his final grade?",
        &["4.5"],
        &[DOES_NOT_SAY],
    ),
    (TOMASZ, "What was his GPA?", &["4.5"], &[DOES_NOT_SAY]),
    (TOMASZ, "Is he chartered?", &["MIStructE"], &[DOES_NOT_SAY]),
    (
        TOMASZ,
        "What languages does he speak?",
        &["Polish", "German"],
        &[DOES_NOT_SAY],
    ),
    (
        TOMASZ,
        "How many years of experience does he have?",
        &["since 2015"],
        &[DOES_NOT_SAY],
    ),
    (
        TOMASZ,
        "List every company he has worked for",
        &["Wisła Konstrukcje", "Baltic Frame Design", "Mostostal Łódź"],
        &[DOES_NOT_SAY],
    ),
    (
        TOMASZ,
        "Where did he work before Baltic Frame Design?",
        &["Mostostal"],
        &[DOES_NOT_SAY, "Wisła"],
    ),
    (
        TOMASZ,
        "Is he open to remote work?",
        &["hybrid, two days a week"],
        &[DOES_NOT_SAY],
    ),
    (
        TOMASZ,
        "What's his notice period?",
        &["three months"],
        &[DOES_NOT_SAY],
    ),
    (
        TOMASZ,
        "What's the weather like in Gdańsk?",
        &[DOES_NOT_SAY],
        &["Baltic Frame"],
    ),
    (
        TOMASZ,
        "Has he designed timber buildings?",
        &["timber"],
        &[DOES_NOT_SAY],
    ),
    (
        TOMASZ,
        "How much steel did he save on the logistics hub?",
        &["12%"],
        &[DOES_NOT_SAY],
    ),
    (
        TOMASZ,
        "wat sofware does he no?",
        &["Revit"],
        &[DOES_NOT_SAY],
    ),
    (
        TOMASZ,
        "What is his name?",
        &["Tomasz Wiśniewski"],
        &[DOES_NOT_SAY],
    ),
    (
        TOMASZ,
        "What does he do in his free time?",
        &["bouldering"],
        &[DOES_NOT_SAY],
    ),
    (
        TOMASZ,
        "Does he manage people?",
        &["Supervises three graduate engineers"],
        &[DOES_NOT_SAY],
    ),
    (
        TOMASZ,
        "Does he have a driving licence?",
        &["category B"],
        &[DOES_NOT_SAY],
    ),
    (
        TOMASZ,
        "Has he worked on bridges?",
        &["bridge bearing"],
        &[DOES_NOT_SAY],
    ),
    (TOMASZ, "Does he have a PhD?", &["does not"], &[]),
    // A seventh batch on a ninth resume (Markdown, a clinical research nurse), written
    // before the answerer first saw the file, after every change above: 27 of 30 on that
    // first run (90 %). The misses came from the Markdown reader (a role heading and its dates
    // line read as two facts, the title line above the contacts taken for a location) and
    // from "relocate" and "volunteer" with no section of their own; fixed afterwards.
    (
        AMARA,
        "What is her email address?",
        &["amara.okonkwo@example.de"],
        &[DOES_NOT_SAY],
    ),
    (AMARA, "Phone?", &["+49 151 2345 6789"], &[DOES_NOT_SAY]),
    (
        AMARA,
        "Where is she located?",
        &["Hamburg"],
        &[DOES_NOT_SAY],
    ),
    (
        AMARA,
        "Where does she work now?",
        &["Universitätsklinikum Eppendorf"],
        &[DOES_NOT_SAY, "Charité"],
    ),
    (
        AMARA,
        "Is she a registered nurse?",
        &["Registered nurse"],
        &[DOES_NOT_SAY],
    ),
    (
        AMARA,
        "Has she worked on oncology trials?",
        &["oncology"],
        &[DOES_NOT_SAY],
    ),
    (AMARA, "Does she know REDCap?", &["REDCap"], &[DOES_NOT_SAY]),
    (AMARA, "Has she used Veeva Vault?", &["does not"], &[]),
    (
        AMARA,
        "Where did she study?",
        &["King's College London"],
        &[DOES_NOT_SAY],
    ),
    (
        AMARA,
        "Did she graduate with honours?",
        &["first-class honours"],
        &[DOES_NOT_SAY],
    ),
    (
        AMARA,
        "What certifications does she have?",
        &["ICH-GCP", "Advanced Life Support"],
        &[DOES_NOT_SAY],
    ),
    (
        AMARA,
        "What languages does she speak?",
        &["German", "Igbo"],
        &[DOES_NOT_SAY],
    ),
    (
        AMARA,
        "How many years of experience does she have?",
        &["since 2012"],
        &[DOES_NOT_SAY],
    ),
    (
        AMARA,
        "List all her employers",
        &[
            "Universitätsklinikum Eppendorf",
            "Charité Research Organisation",
            "St. Thomas' Hospital",
        ],
        &[DOES_NOT_SAY],
    ),
    (
        AMARA,
        "Where did she work before Charité?",
        &["St. Thomas' Hospital"],
        &[DOES_NOT_SAY, "Eppendorf"],
    ),
    (
        AMARA,
        "Would she relocate?",
        &["no relocation"],
        &[DOES_NOT_SAY],
    ),
    (
        AMARA,
        "What is her notice period?",
        &["six weeks"],
        &[DOES_NOT_SAY],
    ),
    (
        AMARA,
        "How's the weather in Hamburg?",
        &[DOES_NOT_SAY],
        &["Eppendorf"],
    ),
    (
        AMARA,
        "Has she been through an FDA inspection?",
        &["FDA inspections"],
        &[DOES_NOT_SAY],
    ),
    (
        AMARA,
        "How much did she cut enrolment time?",
        &["12 days"],
        &[DOES_NOT_SAY],
    ),
    (
        AMARA,
        "Does she have experience with chemotherapy?",
        &["chemotherapy"],
        &[DOES_NOT_SAY],
    ),
    (
        AMARA,
        "Has she trained other nurses?",
        &["Trained 15 new study nurses"],
        &[DOES_NOT_SAY],
    ),
    (
        AMARA,
        "Does she volunteer?",
        &["first-aider"],
        &[DOES_NOT_SAY],
    ),
    (
        AMARA,
        "wher did she stuy?",
        &["King's College London"],
        &[DOES_NOT_SAY],
    ),
    (
        AMARA,
        "Is she fluent in German?",
        &["German (C1)"],
        &[DOES_NOT_SAY],
    ),
    (
        AMARA,
        "What's her name?",
        &["Amara Okonkwo-Schulz"],
        &[DOES_NOT_SAY],
    ),
    (AMARA, "Does she speak French?", &["does not"], &[]),
    (
        AMARA,
        "Did she work at the Charite?",
        &["Charité Research Organisation"],
        &[DOES_NOT_SAY],
    ),
    (
        AMARA,
        "What does she do at Universitatsklinikum Eppendorf?",
        &["Coordinates 9 oncology trials"],
        &[DOES_NOT_SAY],
    ),
    (
        AMARA,
        "Is she certified in life support?",
        &["Advanced Life Support"],
        &[DOES_NOT_SAY],
    ),
    // An eighth batch on a tenth resume (JSON Resume, an enterprise seller), written before
    // the answerer first saw the file, after every change above: 27 of 30 on that first run
    // (90 %). Missed: "MBA" written out as a Master in Business Administration, "mentor" when
    // the mentoring is volunteering, "Germany" for a role in Munich with German customers;
    // fixed afterwards.
    (
        CHIARA,
        "What's her email?",
        &["chiara.bellandi@example.it"],
        &[DOES_NOT_SAY],
    ),
    (
        CHIARA,
        "What is her phone number?",
        &["+39 347 555 0192"],
        &[DOES_NOT_SAY],
    ),
    (CHIARA, "Where does she live?", &["Milan"], &[DOES_NOT_SAY]),
    (
        CHIARA,
        "What does she do?",
        &["Enterprise Account Executive"],
        &[DOES_NOT_SAY],
    ),
    (
        CHIARA,
        "Where does she work now?",
        &["Dolomiti Cloud"],
        &[DOES_NOT_SAY, "Navigli"],
    ),
    (
        CHIARA,
        "What is her current title?",
        &["Senior Enterprise Account Executive"],
        &[DOES_NOT_SAY],
    ),
    (
        CHIARA,
        "Did she hit her quota?",
        &["138% of quota"],
        &[DOES_NOT_SAY],
    ),
    (
        CHIARA,
        "What was her biggest deal?",
        &["€1.1M"],
        &[DOES_NOT_SAY],
    ),
    (
        CHIARA,
        "Has she used Salesforce?",
        &["Salesforce"],
        &[DOES_NOT_SAY],
    ),
    (CHIARA, "Does she know Pipedrive?", &["does not"], &[]),
    (
        CHIARA,
        "Where did she study?",
        &["Università Bocconi"],
        &[DOES_NOT_SAY],
    ),
    (
        CHIARA,
        "What was her final grade?",
        &["110/110 cum laude"],
        &[DOES_NOT_SAY],
    ),
    (
        CHIARA,
        "Does she have an MBA?",
        &["Business Administration"],
        &[DOES_NOT_SAY],
    ),
    (
        CHIARA,
        "Which certifications does she hold?",
        &["MEDDICC Practitioner", "Salesforce Certified Administrator"],
        &[DOES_NOT_SAY],
    ),
    (
        CHIARA,
        "Does she speak German?",
        &["German"],
        &[DOES_NOT_SAY],
    ),
    (
        CHIARA,
        "What languages does she speak?",
        &["Italian", "English"],
        &[DOES_NOT_SAY],
    ),
    (
        CHIARA,
        "How many years of experience does she have?",
        &["since 2014"],
        &[DOES_NOT_SAY],
    ),
    (
        CHIARA,
        "List all the companies she worked for",
        &[
            "Dolomiti Cloud",
            "Navigli Software",
            "Sapori d'Italia Export",
        ],
        &[DOES_NOT_SAY],
    ),
    (
        CHIARA,
        "Where did she work before Navigli Software?",
        &["Sapori d'Italia Export"],
        &[DOES_NOT_SAY, "Dolomiti"],
    ),
    (
        CHIARA,
        "What did she do after Sapori d'Italia?",
        &["Navigli Software"],
        &[DOES_NOT_SAY, "Dolomiti"],
    ),
    (
        CHIARA,
        "Has she won any awards?",
        &["President's Club"],
        &[DOES_NOT_SAY],
    ),
    (
        CHIARA,
        "What's the weather in Milan?",
        &[DOES_NOT_SAY],
        &["Lombardy"],
    ),
    (
        CHIARA,
        "Does she mentor people?",
        &["Girls Who Sell"],
        &[DOES_NOT_SAY],
    ),
    (
        CHIARA,
        "What are her hobbies?",
        &["Cycling"],
        &[DOES_NOT_SAY],
    ),
    (
        CHIARA,
        "Who can give a reference?",
        &["Lorenzo Ferri"],
        &[DOES_NOT_SAY],
    ),
    (
        CHIARA,
        "Has she worked in Germany?",
        &["Sapori d'Italia Export"],
        &[DOES_NOT_SAY],
    ),
    (
        CHIARA,
        "What is her website?",
        &["chiara-bellandi.example.it"],
        &[DOES_NOT_SAY],
    ),
    (
        CHIARA,
        "wht sales methodolgy does she use?",
        &["MEDDICC"],
        &[DOES_NOT_SAY],
    ),
    (
        CHIARA,
        "What's her name?",
        &["Chiara Bellandi"],
        &[DOES_NOT_SAY],
    ),
    (CHIARA, "Does she know Python?", &["does not"], &[]),
    // A ninth batch on an eleventh resume (PDF, a financial controller), written before the
    // answerer first saw the file, after every change above: 25 of 30 on that first run
    // (83 %). Three misses were the PDF reader's ("– Present" wrapped onto its own line was
    // read as a bullet, so the current role lost its dates), one an unknown heading
    // ("Additional information"), one a typo whose letters were a stem ("degre"); fixed
    // afterwards.
    (
        RAFAEL,
        "What is his email?",
        &["rafael.dominguez@example.es"],
        &[DOES_NOT_SAY],
    ),
    (
        RAFAEL,
        "Phone number?",
        &["+34 612 345 678"],
        &[DOES_NOT_SAY],
    ),
    (RAFAEL, "Where is he based?", &["Madrid"], &[DOES_NOT_SAY]),
    (
        RAFAEL,
        "Where does he work now?",
        &["Aceros del Tajo"],
        &[DOES_NOT_SAY, "Moda Sevilla"],
    ),
    (
        RAFAEL,
        "What is his current role?",
        &["Financial Controller"],
        &[DOES_NOT_SAY],
    ),
    (
        RAFAEL,
        "How fast is his month-end close?",
        &["5 working days"],
        &[DOES_NOT_SAY],
    ),
    (
        RAFAEL,
        "Has he used SAP?",
        &["SAP S/4HANA"],
        &[DOES_NOT_SAY],
    ),
    (RAFAEL, "Does he know NetSuite?", &["does not"], &[]),
    (
        RAFAEL,
        "Where did he study?",
        &["IE Business School"],
        &[DOES_NOT_SAY],
    ),
    (RAFAEL, "What was his GPA?", &["3.8"], &[DOES_NOT_SAY]),
    (
        RAFAEL,
        "Is he a chartered accountant?",
        &["Chartered"],
        &[DOES_NOT_SAY],
    ),
    (
        RAFAEL,
        "Which certifications does he have?",
        &["ACCA", "ROAC"],
        &[DOES_NOT_SAY],
    ),
    (
        RAFAEL,
        "What languages does he speak?",
        &["English", "Portuguese"],
        &[DOES_NOT_SAY],
    ),
    (
        RAFAEL,
        "How many years of experience does he have?",
        &["since 2012"],
        &[DOES_NOT_SAY],
    ),
    (
        RAFAEL,
        "List every employer he has had",
        &["Aceros del Tajo", "Moda Sevilla Group", "KPMG"],
        &[DOES_NOT_SAY],
    ),
    (
        RAFAEL,
        "Where did he work before Moda Sevilla?",
        &["KPMG"],
        &[DOES_NOT_SAY, "Aceros"],
    ),
    (
        RAFAEL,
        "What did he do after KPMG?",
        &["Moda Sevilla Group"],
        &[DOES_NOT_SAY, "Aceros"],
    ),
    (
        RAFAEL,
        "Does he manage a team?",
        &["seven accountants"],
        &[DOES_NOT_SAY],
    ),
    (
        RAFAEL,
        "Is he open to remote work?",
        &["open to hybrid"],
        &[DOES_NOT_SAY],
    ),
    (
        RAFAEL,
        "What's his notice period?",
        &["two months"],
        &[DOES_NOT_SAY],
    ),
    (
        RAFAEL,
        "What's the weather in Toledo?",
        &[DOES_NOT_SAY],
        &["Aceros"],
    ),
    (RAFAEL, "Does he know IFRS?", &["IFRS"], &[DOES_NOT_SAY]),
    (
        RAFAEL,
        "How much did he save on inventory?",
        &["€2.4M"],
        &[DOES_NOT_SAY],
    ),
    (
        RAFAEL,
        "What are his hobbies?",
        &["marathon running"],
        &[DOES_NOT_SAY],
    ),
    (
        RAFAEL,
        "Has he worked in audit?",
        &["KPMG"],
        &[DOES_NOT_SAY],
    ),
    (
        RAFAEL,
        "Does he know Power BI?",
        &["Power BI"],
        &[DOES_NOT_SAY],
    ),
    (
        RAFAEL,
        "wat is his degre?",
        &["MSc in Finance"],
        &[DOES_NOT_SAY],
    ),
    (
        RAFAEL,
        "What's his full name?",
        &["Rafael Domínguez Ortega"],
        &[DOES_NOT_SAY],
    ),
    (RAFAEL, "Does he speak French?", &["does not"], &[]),
    (
        RAFAEL,
        "Has he worked with Oracle Hyperion?",
        &["Oracle Hyperion"],
        &[DOES_NOT_SAY],
    ),
    // A tenth batch on a twelfth resume (the original service's JSON, a product designer),
    // written before the answerer first saw the file, after every change above: 29 of 30 on
    // that first run (97 %). The miss, "open to remote work" on a resume that never says
    // "open" or "work", was fixed afterwards.
    (
        YUKI,
        "What's her email?",
        &["yuki.tanaka@example.dk"],
        &[DOES_NOT_SAY],
    ),
    (
        YUKI,
        "What is her phone number?",
        &["+45 20 55 01 93"],
        &[DOES_NOT_SAY],
    ),
    (YUKI, "Where is she based?", &["København"], &[DOES_NOT_SAY]),
    (
        YUKI,
        "Does she live in Kobenhavn?",
        &["København"],
        &[DOES_NOT_SAY],
    ),
    (
        YUKI,
        "Where does she work now?",
        &["Nyhavn Pay"],
        &[DOES_NOT_SAY, "Cykel"],
    ),
    (
        YUKI,
        "What is her most recent job title?",
        &["Senior Product Designer"],
        &[DOES_NOT_SAY],
    ),
    (YUKI, "Does she use Figma?", &["Figma"], &[DOES_NOT_SAY]),
    (YUKI, "Does she know Adobe XD?", &["does not"], &[]),
    (
        YUKI,
        "Where did she study?",
        &["Royal Danish Academy"],
        &[DOES_NOT_SAY],
    ),
    (
        YUKI,
        "What was her grade?",
        &["12 (top grade"],
        &[DOES_NOT_SAY],
    ),
    (
        YUKI,
        "Is she certified?",
        &["Nielsen Norman Group UX Certification"],
        &[DOES_NOT_SAY],
    ),
    (
        YUKI,
        "What languages does she speak?",
        &["Japanese", "Danish"],
        &[DOES_NOT_SAY],
    ),
    (
        YUKI,
        "How many years of experience does she have?",
        &["since 2016"],
        &[DOES_NOT_SAY],
    ),
    (
        YUKI,
        "List all her employers",
        &["Nyhavn Pay", "Cykel Mobility", "Rakuten"],
        &[DOES_NOT_SAY],
    ),
    (
        YUKI,
        "Where did she work before Cykel Mobility?",
        &["Rakuten"],
        &[DOES_NOT_SAY, "Nyhavn"],
    ),
    (
        YUKI,
        "What did she do after Rakuten?",
        &["Cykel Mobility"],
        &[DOES_NOT_SAY, "Nyhavn"],
    ),
    (
        YUKI,
        "Does she do user research?",
        &["usability"],
        &[DOES_NOT_SAY],
    ),
    (
        YUKI,
        "How much did she improve sign-ups?",
        &["41% to 63%"],
        &[DOES_NOT_SAY],
    ),
    (
        YUKI,
        "Has she built a design system?",
        &["Harbour design system"],
        &[DOES_NOT_SAY],
    ),
    (
        YUKI,
        "Does she care about accessibility?",
        &["WCAG 2.1 AA"],
        &[DOES_NOT_SAY],
    ),
    (YUKI, "Can she code?", &["HTML"], &[DOES_NOT_SAY]),
    (
        YUKI,
        "What side projects has she made?",
        &["Stille"],
        &[DOES_NOT_SAY],
    ),
    (
        YUKI,
        "Is she open to remote work?",
        &["remote within the EU"],
        &[DOES_NOT_SAY],
    ),
    (
        YUKI,
        "What's her notice period?",
        &["one month"],
        &[DOES_NOT_SAY],
    ),
    (
        YUKI,
        "What's the weather in Copenhagen?",
        &[DOES_NOT_SAY],
        &["Nyhavn"],
    ),
    (
        YUKI,
        "What are her hobbies?",
        &["Ceramics"],
        &[DOES_NOT_SAY],
    ),
    (
        YUKI,
        "Has she worked in Japan?",
        &["Rakuten"],
        &[DOES_NOT_SAY],
    ),
    (YUKI, "wht tols does she use?", &["Figma"], &[DOES_NOT_SAY]),
    (YUKI, "What is her name?", &["Yuki Tanaka"], &[DOES_NOT_SAY]),
    (YUKI, "Does she have a PhD?", &["does not"], &[]),
    // An eleventh batch on a thirteenth resume (plain text, a learning designer), written
    // before the answerer first saw the file, after every change above: 26 of 30 on that
    // first run (87 %). Missed: "teach" for "Taught" (an irregular verb; the plain-text reader
    // also kept a wrapped summary line as two facts), "master's" for an "MA" (the answer named
    // only the MSc), "manage anyone", and "LMS" for Moodle; fixed afterwards.
    (
        MARGIT,
        "What is her email?",
        &["margit.halvorsen@example.no"],
        &[DOES_NOT_SAY],
    ),
    (MARGIT, "Phone?", &["+47 912 34 567"], &[DOES_NOT_SAY]),
    (MARGIT, "Where does she live?", &["Bergen"], &[DOES_NOT_SAY]),
    (
        MARGIT,
        "Where does she work now?",
        &["Fjord Academy"],
        &[DOES_NOT_SAY, "Nordlys"],
    ),
    (
        MARGIT,
        "What is her job title?",
        &["Learning Experience Designer"],
        &[DOES_NOT_SAY],
    ),
    (
        MARGIT,
        "Was she a teacher?",
        &["Science Teacher"],
        &[DOES_NOT_SAY],
    ),
    (
        MARGIT,
        "Which subjects did she teach?",
        &["physics and chemistry"],
        &[DOES_NOT_SAY],
    ),
    (
        MARGIT,
        "Does she know Articulate Storyline?",
        &["Storyline"],
        &[DOES_NOT_SAY],
    ),
    (MARGIT, "Has she used Docebo?", &["does not"], &[]),
    (
        MARGIT,
        "Where did she study?",
        &["University of Bergen"],
        &[DOES_NOT_SAY],
    ),
    (
        MARGIT,
        "Does she have a master's degree?",
        &["MA in Education"],
        &[DOES_NOT_SAY],
    ),
    (MARGIT, "Is she certified?", &["CPTD"], &[DOES_NOT_SAY]),
    (
        MARGIT,
        "What languages does she speak?",
        &["Norwegian", "Swedish"],
        &[DOES_NOT_SAY],
    ),
    (
        MARGIT,
        "How many years of experience does she have?",
        &["since 2012"],
        &[DOES_NOT_SAY],
    ),
    (
        MARGIT,
        "List every organisation she has worked for",
        &["Fjord Academy", "Nordlys Learning", "Bergen Katedralskole"],
        &[DOES_NOT_SAY],
    ),
    (
        MARGIT,
        "Where did she work before Fjord Academy?",
        &["Nordlys Learning"],
        &[DOES_NOT_SAY, "Fjord"],
    ),
    (
        MARGIT,
        "How did she improve course completion?",
        &["54% to 81%"],
        &[DOES_NOT_SAY],
    ),
    (
        MARGIT,
        "Does she manage anyone?",
        &["Leads a small team"],
        &[DOES_NOT_SAY],
    ),
    (MARGIT, "Does she know SCORM?", &["SCORM"], &[DOES_NOT_SAY]),
    (
        MARGIT,
        "Which LMS has she used?",
        &["Moodle"],
        &[DOES_NOT_SAY],
    ),
    (
        MARGIT,
        "Is she open to remote work?",
        &["fully remote"],
        &[DOES_NOT_SAY],
    ),
    (
        MARGIT,
        "What's her notice period?",
        &["three months"],
        &[DOES_NOT_SAY],
    ),
    (
        MARGIT,
        "What's the weather in Bergen?",
        &[DOES_NOT_SAY],
        &["Fjord"],
    ),
    (
        MARGIT,
        "What are her hobbies?",
        &["mountain hiking"],
        &[DOES_NOT_SAY],
    ),
    (
        MARGIT,
        "Did she run any clubs?",
        &["robotics club"],
        &[DOES_NOT_SAY],
    ),
    (
        MARGIT,
        "What's her name?",
        &["MARGIT HALVORSEN"],
        &[DOES_NOT_SAY],
    ),
    (
        MARGIT,
        "wich tools does she use?",
        &["Articulate 360"],
        &[DOES_NOT_SAY],
    ),
    (
        MARGIT,
        "Has she worked with offshore workers?",
        &["offshore workers"],
        &[DOES_NOT_SAY],
    ),
    (MARGIT, "Does she have a PhD?", &["does not"], &[]),
    (
        MARGIT,
        "Does she know instructional design models?",
        &["ADDIE"],
        &[DOES_NOT_SAY],
    ),
    // A twelfth batch on a fourteenth resume (DOCX laid out in two columns, as CV templates
    // do, an SRE), written before the answerer first saw the file, after every change above:
    // 26 of 30 on that first run (87 %). Missed: cloud providers named only as "AWS, GCP",
    // "availability" routed to contact details by "reach", "visa" for a work permit, and "the
    // Netherlands" for Amsterdam; fixed afterwards.
    (
        KWAME,
        "What is his email?",
        &["kwame.asante@example.de"],
        &[DOES_NOT_SAY],
    ),
    (
        KWAME,
        "What's his phone number?",
        &["+49 170 555 4821"],
        &[DOES_NOT_SAY],
    ),
    (KWAME, "Where is he located?", &["Berlin"], &[DOES_NOT_SAY]),
    (
        KWAME,
        "Where does he work now?",
        &["Spree Payments"],
        &[DOES_NOT_SAY, "StreamKiosk"],
    ),
    (
        KWAME,
        "What's his current title?",
        &["Staff Site Reliability Engineer"],
        &[DOES_NOT_SAY],
    ),
    (
        KWAME,
        "Does he know Kubernetes?",
        &["Kubernetes"],
        &[DOES_NOT_SAY],
    ),
    (KWAME, "Has he used Nomad?", &["does not"], &[]),
    (
        KWAME,
        "Which monitoring tools does he use?",
        &["Prometheus"],
        &[DOES_NOT_SAY],
    ),
    (
        KWAME,
        "Which cloud providers has he worked with?",
        &["AWS"],
        &[DOES_NOT_SAY],
    ),
    (
        KWAME,
        "Where did he study?",
        &["Kwame Nkrumah University"],
        &[DOES_NOT_SAY],
    ),
    (
        KWAME,
        "What did he study?",
        &["Computer Engineering"],
        &[DOES_NOT_SAY],
    ),
    (
        KWAME,
        "Is he certified in Kubernetes?",
        &["CKA"],
        &[DOES_NOT_SAY],
    ),
    (
        KWAME,
        "What languages does he speak?",
        &["German", "Twi"],
        &[DOES_NOT_SAY],
    ),
    (
        KWAME,
        "How many years of experience does he have?",
        &["since 2014"],
        &[DOES_NOT_SAY],
    ),
    (
        KWAME,
        "List all companies he has worked for",
        &["Spree Payments", "StreamKiosk", "Ghana Data Hosting"],
        &[DOES_NOT_SAY],
    ),
    (
        KWAME,
        "Where did he work before StreamKiosk?",
        &["Ghana Data Hosting"],
        &[DOES_NOT_SAY, "Spree"],
    ),
    (
        KWAME,
        "What did he do after Ghana Data Hosting?",
        &["StreamKiosk"],
        &[DOES_NOT_SAY, "Spree"],
    ),
    (
        KWAME,
        "What availability did he reach?",
        &["99.99%"],
        &[DOES_NOT_SAY],
    ),
    (
        KWAME,
        "How much did he save on AWS?",
        &["38%"],
        &[DOES_NOT_SAY],
    ),
    (
        KWAME,
        "Is he on call?",
        &["on call one week in six"],
        &[DOES_NOT_SAY],
    ),
    (
        KWAME,
        "Does he need a visa?",
        &["EU Blue Card"],
        &[DOES_NOT_SAY],
    ),
    (
        KWAME,
        "Is he open to remote work?",
        &["fully remote"],
        &[DOES_NOT_SAY],
    ),
    (
        KWAME,
        "What's the weather in Berlin?",
        &[DOES_NOT_SAY],
        &["Spree"],
    ),
    (
        KWAME,
        "What are his hobbies?",
        &["football coaching"],
        &[DOES_NOT_SAY],
    ),
    (
        KWAME,
        "Does he program in Go?",
        &["Go, Python"],
        &[DOES_NOT_SAY],
    ),
    (
        KWAME,
        "Has he worked in the Netherlands?",
        &["StreamKiosk"],
        &[DOES_NOT_SAY],
    ),
    (
        KWAME,
        "wat is his github?",
        &["github.com/kwame-asante-example"],
        &[DOES_NOT_SAY],
    ),
    (
        KWAME,
        "What is his name?",
        &["Kwame Asante"],
        &[DOES_NOT_SAY],
    ),
    (
        KWAME,
        "Does he have a master's degree?",
        &["BSc Computer Engineering"],
        &[],
    ),
    (
        KWAME,
        "Does he do post-mortems?",
        &["post-mortems"],
        &[DOES_NOT_SAY],
    ),
    // A thirteenth batch on a fifteenth resume (Markdown with bold role lines and a skills
    // table, an ML scientist), written before the answerer first saw the file, after every
    // change above: 25 of 30 on that first run (83 %; 26 answers right, one row wrong).
    // Missed: the location on a "Title — City" line, "PhD" taken for part of the name
    // ("Hamid Rahimi, PhD"), "after the University of Toronto" naming a role and a degree at
    // once, and "talks" for "Speaker at PyData"; fixed afterwards.
    (
        HAMID,
        "What is his email?",
        &["hamid.rahimi@example.ca"],
        &[DOES_NOT_SAY],
    ),
    (
        HAMID,
        "Phone number?",
        &["+1 416 555 0134"],
        &[DOES_NOT_SAY],
    ),
    (HAMID, "Where is he based?", &["Toronto"], &[DOES_NOT_SAY]),
    (
        HAMID,
        "Where does he work now?",
        &["Maple Ledger Bank"],
        &[DOES_NOT_SAY, "Northern Grocer"],
    ),
    (
        HAMID,
        "What is his current job title?",
        &["Lead ML Scientist"],
        &[DOES_NOT_SAY],
    ),
    (
        HAMID,
        "Does he have a PhD?",
        &["PhD in Statistics"],
        &[DOES_NOT_SAY],
    ),
    (
        HAMID,
        "What was his thesis about?",
        &["Hierarchical models for sparse count data"],
        &[DOES_NOT_SAY],
    ),
    (
        HAMID,
        "Does he know PyTorch?",
        &["PyTorch"],
        &[DOES_NOT_SAY],
    ),
    (HAMID, "Has he used TensorFlow?", &["does not"], &[]),
    (
        HAMID,
        "Which ML platforms has he used?",
        &["Kubeflow"],
        &[DOES_NOT_SAY],
    ),
    (
        HAMID,
        "How much fraud does his model block?",
        &["$38M"],
        &[DOES_NOT_SAY],
    ),
    (
        HAMID,
        "Does he lead a team?",
        &["team of five scientists"],
        &[DOES_NOT_SAY],
    ),
    (
        HAMID,
        "Where did he study?",
        &["University of Toronto"],
        &[DOES_NOT_SAY],
    ),
    (
        HAMID,
        "What languages does he speak?",
        &["Persian", "French"],
        &[DOES_NOT_SAY],
    ),
    (
        HAMID,
        "How many years of experience does he have?",
        &["since 2014"],
        &[DOES_NOT_SAY],
    ),
    (
        HAMID,
        "List all the places he has worked",
        &[
            "Maple Ledger Bank",
            "Northern Grocer Co.",
            "University of Toronto",
        ],
        &[DOES_NOT_SAY],
    ),
    (
        HAMID,
        "Where did he work before Maple Ledger Bank?",
        &["Northern Grocer"],
        &[DOES_NOT_SAY, "Research Assistant"],
    ),
    (
        HAMID,
        "What did he do after the University of Toronto?",
        &["Northern Grocer"],
        &[DOES_NOT_SAY, "Maple Ledger"],
    ),
    // The row first asked for "papers" (as in "Published four papers"); the answer quoted the
    // publication itself, which is right, so the row was wrong.
    (
        HAMID,
        "Has he published papers?",
        &["Shrinkage priors"],
        &[DOES_NOT_SAY],
    ),
    (
        HAMID,
        "Does he need a work permit?",
        &["permanent resident"],
        &[DOES_NOT_SAY],
    ),
    (
        HAMID,
        "Is he open to remote work?",
        &["hybrid work in Toronto"],
        &[DOES_NOT_SAY],
    ),
    (
        HAMID,
        "Would he relocate?",
        &["no relocation"],
        &[DOES_NOT_SAY],
    ),
    (
        HAMID,
        "Has he given talks?",
        &["PyData Toronto"],
        &[DOES_NOT_SAY],
    ),
    (
        HAMID,
        "What's the weather in Toronto?",
        &[DOES_NOT_SAY],
        &["Maple"],
    ),
    (
        HAMID,
        "How did he reduce food waste?",
        &["9%"],
        &[DOES_NOT_SAY],
    ),
    (
        HAMID,
        "Does he know R?",
        &["Python, R, SQL"],
        &[DOES_NOT_SAY],
    ),
    (
        HAMID,
        "wat ML tools does he no?",
        &["scikit-learn"],
        &[DOES_NOT_SAY],
    ),
    (
        HAMID,
        "What is his name?",
        &["Hamid Rahimi"],
        &[DOES_NOT_SAY],
    ),
    (HAMID, "Does he know Stan?", &["Stan"], &[DOES_NOT_SAY]),
    (
        HAMID,
        "Is he a citizen?",
        &["permanent resident"],
        &[DOES_NOT_SAY],
    ),
    // A fourteenth batch on a sixteenth resume (the original service's JSON, a backend
    // engineer), written before the answerer first saw the file, after every change above:
    // 30 of 30 on that first run.
    (
        NGOZI,
        "What's her email address?",
        &["ngozi.eze@example.com"],
        &[DOES_NOT_SAY],
    ),
    (
        NGOZI,
        "What is her phone number?",
        &["+44 7700 900 417"],
        &[DOES_NOT_SAY],
    ),
    (
        NGOZI,
        "Where does she live?",
        &["Manchester"],
        &[DOES_NOT_SAY],
    ),
    (
        NGOZI,
        "Where does she work now?",
        &["Pennine Travel"],
        &[DOES_NOT_SAY, "Quayside"],
    ),
    (
        NGOZI,
        "What is her current role?",
        &["Senior Backend Engineer"],
        &[DOES_NOT_SAY],
    ),
    (NGOZI, "Does she know Kotlin?", &["Kotlin"], &[DOES_NOT_SAY]),
    (NGOZI, "Has she used Go?", &["does not"], &[]),
    (
        NGOZI,
        "Which databases has she worked with?",
        &["PostgreSQL"],
        &[DOES_NOT_SAY],
    ),
    (NGOZI, "Does she know Kafka?", &["Kafka"], &[DOES_NOT_SAY]),
    (
        NGOZI,
        "Where did she study?",
        &["University of Manchester"],
        &[DOES_NOT_SAY],
    ),
    (
        NGOZI,
        "What was her grade in the master's?",
        &["Distinction"],
        &[DOES_NOT_SAY],
    ),
    (
        NGOZI,
        "Is she AWS certified?",
        &["AWS Certified Developer"],
        &[DOES_NOT_SAY],
    ),
    (
        NGOZI,
        "What languages does she speak?",
        &["Igbo", "Yoruba"],
        &[DOES_NOT_SAY],
    ),
    (
        NGOZI,
        "How many years of experience does she have?",
        &["since 2015"],
        &[DOES_NOT_SAY],
    ),
    (
        NGOZI,
        "List every company she has worked for",
        &["Pennine Travel", "Quayside Payments", "Lagos Digital Bank"],
        &[DOES_NOT_SAY],
    ),
    (
        NGOZI,
        "Where did she work before Quayside Payments?",
        &["Lagos Digital Bank"],
        &[DOES_NOT_SAY, "Pennine"],
    ),
    (
        NGOZI,
        "What did she do after Lagos Digital Bank?",
        &["Quayside Payments"],
        &[DOES_NOT_SAY, "Pennine"],
    ),
    (
        NGOZI,
        "How much did she improve latency?",
        &["900 ms to 180 ms"],
        &[DOES_NOT_SAY],
    ),
    (
        NGOZI,
        "How many bookings a minute does her service handle?",
        &["2,500 bookings a minute"],
        &[DOES_NOT_SAY],
    ),
    (
        NGOZI,
        "Does she mentor anyone?",
        &["Mentors three engineers"],
        &[DOES_NOT_SAY],
    ),
    (
        NGOZI,
        "Does she have open-source projects?",
        &["queue-doctor"],
        &[DOES_NOT_SAY],
    ),
    (
        NGOZI,
        "Is she open to remote work?",
        &["hybrid, two days a week"],
        &[DOES_NOT_SAY],
    ),
    (
        NGOZI,
        "What's her notice period?",
        &["two months"],
        &[DOES_NOT_SAY],
    ),
    (
        NGOZI,
        "Does she need a visa?",
        &["British citizen"],
        &[DOES_NOT_SAY],
    ),
    (
        NGOZI,
        "What's the weather in Manchester?",
        &[DOES_NOT_SAY],
        &["Pennine"],
    ),
    (
        NGOZI,
        "What are her hobbies?",
        &["Long-distance running"],
        &[DOES_NOT_SAY],
    ),
    (
        NGOZI,
        "Has she worked in Nigeria?",
        &["Lagos Digital Bank"],
        &[DOES_NOT_SAY],
    ),
    (
        NGOZI,
        "wat frameworks does she no?",
        &["Spring Boot"],
        &[DOES_NOT_SAY],
    ),
    (NGOZI, "What is her name?", &["Ngozi Eze"], &[DOES_NOT_SAY]),
    (
        NGOZI,
        "What's her GitHub?",
        &["github.com/ngozi-eze-example"],
        &[DOES_NOT_SAY],
    ),
    // A fifteenth batch on a seventeenth resume (PDF, a growth marketer), written before the
    // answerer first saw the file, after every change above: 29 of 30 on that first run. The
    // miss, "mentor" for a line among the additional information, was fixed afterwards.
    (
        ELODIE,
        "What is her email?",
        &["elodie.marchand@example.fr"],
        &[DOES_NOT_SAY],
    ),
    (ELODIE, "Phone?", &["+33 6 12 34 56 78"], &[DOES_NOT_SAY]),
    (ELODIE, "Where is she based?", &["Lyon"], &[DOES_NOT_SAY]),
    (
        ELODIE,
        "Where does she work now?",
        &["Panier Frais"],
        &[DOES_NOT_SAY, "Voyages Soleil"],
    ),
    (
        ELODIE,
        "What's her current title?",
        &["Head of Growth Marketing"],
        &[DOES_NOT_SAY],
    ),
    (
        ELODIE,
        "How much did she grow active customers?",
        &["180,000 to 420,000"],
        &[DOES_NOT_SAY],
    ),
    (
        ELODIE,
        "Did she reduce acquisition costs?",
        &["31%"],
        &[DOES_NOT_SAY],
    ),
    (
        ELODIE,
        "How big is her team?",
        &["team of six"],
        &[DOES_NOT_SAY],
    ),
    (ELODIE, "Does she know SEO?", &["SEO"], &[DOES_NOT_SAY]),
    (ELODIE, "Has she used Salesforce?", &["does not"], &[]),
    (
        ELODIE,
        "Which analytics tools does she use?",
        &["Amplitude"],
        &[DOES_NOT_SAY],
    ),
    (
        ELODIE,
        "Where did she study?",
        &["emlyon business school"],
        &[DOES_NOT_SAY],
    ),
    (
        ELODIE,
        "Does she have a master's degree?",
        &["Master in Management"],
        &[DOES_NOT_SAY],
    ),
    (
        ELODIE,
        "What certifications does she have?",
        &[
            "Google Ads Search Certification",
            "HubSpot Inbound Marketing",
        ],
        &[DOES_NOT_SAY],
    ),
    (
        ELODIE,
        "What languages does she speak?",
        &["French", "Italian"],
        &[DOES_NOT_SAY],
    ),
    (
        ELODIE,
        "How many years of experience does she have?",
        &["since 2013"],
        &[DOES_NOT_SAY],
    ),
    (
        ELODIE,
        "List all her employers",
        &["Panier Frais", "Voyages Soleil", "Maison Berthier"],
        &[DOES_NOT_SAY],
    ),
    (
        ELODIE,
        "Where did she work before Voyages Soleil?",
        &["Maison Berthier"],
        &[DOES_NOT_SAY, "Panier"],
    ),
    (
        ELODIE,
        "What did she do after Maison Berthier?",
        &["Voyages Soleil"],
        &[DOES_NOT_SAY, "Panier"],
    ),
    (
        ELODIE,
        "How large a budget has she managed?",
        &["€6M"],
        &[DOES_NOT_SAY],
    ),
    (
        ELODIE,
        "Has she run a loyalty programme?",
        &["loyalty programme"],
        &[DOES_NOT_SAY],
    ),
    (
        ELODIE,
        "Is she open to remote work?",
        &["hybrid, three days a week"],
        &[DOES_NOT_SAY],
    ),
    (
        ELODIE,
        "What is her notice period?",
        &["three months"],
        &[DOES_NOT_SAY],
    ),
    (
        ELODIE,
        "What's the weather in Lyon?",
        &[DOES_NOT_SAY],
        &["Panier"],
    ),
    (
        ELODIE,
        "What are her hobbies?",
        &["trail running"],
        &[DOES_NOT_SAY],
    ),
    (
        ELODIE,
        "Does she mentor startups?",
        &["French Tech accelerator"],
        &[DOES_NOT_SAY],
    ),
    (
        ELODIE,
        "Has she worked in Paris?",
        &["Voyages Soleil"],
        &[DOES_NOT_SAY],
    ),
    (
        ELODIE,
        "wat is her degre?",
        &["Master in Management"],
        &[DOES_NOT_SAY],
    ),
    (
        ELODIE,
        "What is her name?",
        &["Élodie Marchand"],
        &[DOES_NOT_SAY],
    ),
    (ELODIE, "Does she speak Spanish?", &["does not"], &[]),
    // A sixteenth batch on an eighteenth resume (Markdown with company headings and bold role
    // lines, a mechanical engineer), written before the answerer first saw the file, after
    // every change above: 27 of 30 on that first run. All three misses were one defect of the
    // Markdown reader (a bold role line under a company heading dropped the company), fixed
    // afterwards.
    (
        AARAV,
        "What's his email?",
        &["aarav.mehta@example.de"],
        &[DOES_NOT_SAY],
    ),
    (
        AARAV,
        "Phone number?",
        &["+49 1512 3456789"],
        &[DOES_NOT_SAY],
    ),
    (AARAV, "Where is he based?", &["Stuttgart"], &[DOES_NOT_SAY]),
    (
        AARAV,
        "Where does he work now?",
        &["Neckar Mobility"],
        &[DOES_NOT_SAY, "Deccan"],
    ),
    (
        AARAV,
        "What is his current job title?",
        &["Senior Product Design Engineer"],
        &[DOES_NOT_SAY],
    ),
    (
        AARAV,
        "Does he know SolidWorks?",
        &["SolidWorks"],
        &[DOES_NOT_SAY],
    ),
    (AARAV, "Has he used Creo?", &["does not"], &[]),
    (
        AARAV,
        "Which CAD tools does he use?",
        &["CATIA V5"],
        &[DOES_NOT_SAY],
    ),
    (AARAV, "Has he done FEA?", &["ANSYS"], &[DOES_NOT_SAY]),
    (
        AARAV,
        "Where did he study?",
        &["IIT Bombay"],
        &[DOES_NOT_SAY],
    ),
    (AARAV, "What was his GPA?", &["8.9"], &[DOES_NOT_SAY]),
    (
        AARAV,
        "Does he have a master's degree?",
        &["M.Tech Mechanical Engineering"],
        &[DOES_NOT_SAY],
    ),
    (AARAV, "Is he certified?", &["CSWP"], &[DOES_NOT_SAY]),
    (
        AARAV,
        "What languages does he speak?",
        &["Hindi", "German"],
        &[DOES_NOT_SAY],
    ),
    (
        AARAV,
        "How many years of experience does he have?",
        &["since 2014"],
        &[DOES_NOT_SAY],
    ),
    (
        AARAV,
        "List every company he has worked for",
        &["Neckar Mobility", "Deccan Auto Components"],
        &[DOES_NOT_SAY],
    ),
    (
        AARAV,
        "Where did he work before Neckar Mobility?",
        &["Deccan Auto Components"],
        &[DOES_NOT_SAY, "Senior Product"],
    ),
    (
        AARAV,
        "How much did he reduce unit cost?",
        &["18%"],
        &[DOES_NOT_SAY],
    ),
    (
        AARAV,
        "Does he mentor anyone?",
        &["Mentors two junior engineers"],
        &[DOES_NOT_SAY],
    ),
    (AARAV, "Does he know GD&T?", &["GD&T"], &[DOES_NOT_SAY]),
    (
        AARAV,
        "Is he open to remote work?",
        &["hybrid roles"],
        &[DOES_NOT_SAY],
    ),
    (
        AARAV,
        "What's his notice period?",
        &["three months"],
        &[DOES_NOT_SAY],
    ),
    (
        AARAV,
        "Does he need a visa?",
        &["EU Blue Card"],
        &[DOES_NOT_SAY],
    ),
    (
        AARAV,
        "What's the weather in Stuttgart?",
        &[DOES_NOT_SAY],
        &["Neckar"],
    ),
    (
        AARAV,
        "What are his hobbies?",
        &["cricket"],
        &[DOES_NOT_SAY],
    ),
    (
        AARAV,
        "Has he worked in India?",
        &["Deccan Auto Components"],
        &[DOES_NOT_SAY],
    ),
    (
        AARAV,
        "wat manufacturing processes does he know?",
        &["die casting"],
        &[DOES_NOT_SAY],
    ),
    (
        AARAV,
        "What is his name?",
        &["Aarav Mehta"],
        &[DOES_NOT_SAY],
    ),
    (
        AARAV,
        "Did he do Formula Student?",
        &["Formula Student"],
        &[DOES_NOT_SAY],
    ),
    (
        AARAV,
        "Does he speak Marathi?",
        &["Marathi"],
        &[DOES_NOT_SAY],
    ),
    // A seventeenth batch on a nineteenth resume (JSON Resume with a field of its own, a
    // compliance manager), written before the answerer first saw the file, after every change
    // above: 30 of 30 on that first run.
    (
        FATIMA,
        "What is her email?",
        &["fatima.alsayed@example.ae"],
        &[DOES_NOT_SAY],
    ),
    (
        FATIMA,
        "What's her phone number?",
        &["+971 50 555 0187"],
        &[DOES_NOT_SAY],
    ),
    (FATIMA, "Where is she based?", &["Dubai"], &[DOES_NOT_SAY]),
    (
        FATIMA,
        "Where does she work now?",
        &["Gulf Crescent Bank"],
        &[DOES_NOT_SAY, "Thames"],
    ),
    (
        FATIMA,
        "What is her current title?",
        &["Compliance Manager, Financial Crime"],
        &[DOES_NOT_SAY],
    ),
    (FATIMA, "Does she know AML?", &["AML"], &[DOES_NOT_SAY]),
    (FATIMA, "Has she used Fenergo?", &["does not"], &[]),
    (
        FATIMA,
        "Which tools does she use?",
        &["Actimize"],
        &[DOES_NOT_SAY],
    ),
    (
        FATIMA,
        "Does she lead a team?",
        &["team of eight analysts"],
        &[DOES_NOT_SAY],
    ),
    (
        FATIMA,
        "How much did she cut false positives?",
        &["45%"],
        &[DOES_NOT_SAY],
    ),
    (
        FATIMA,
        "Where did she study?",
        &["London School of Economics"],
        &[DOES_NOT_SAY],
    ),
    (FATIMA, "What was her GPA?", &["3.6"], &[DOES_NOT_SAY]),
    (
        FATIMA,
        "Does she have a law degree?",
        &["Law and Finance"],
        &[DOES_NOT_SAY],
    ),
    (FATIMA, "Is she CAMS certified?", &["CAMS"], &[DOES_NOT_SAY]),
    (
        FATIMA,
        "What languages does she speak?",
        &["Arabic", "French"],
        &[DOES_NOT_SAY],
    ),
    (
        FATIMA,
        "How many years of experience does she have?",
        &["since 2014"],
        &[DOES_NOT_SAY],
    ),
    (
        FATIMA,
        "List all the companies she has worked for",
        &[
            "Gulf Crescent Bank",
            "Thames & Harbour Investments",
            "Northgate Building Society",
        ],
        &[DOES_NOT_SAY],
    ),
    (
        FATIMA,
        "Where did she work before Thames & Harbour?",
        &["Northgate Building Society"],
        &[DOES_NOT_SAY, "Gulf Crescent"],
    ),
    (
        FATIMA,
        "What did she do after Northgate?",
        &["Thames & Harbour Investments"],
        &[DOES_NOT_SAY, "Gulf Crescent"],
    ),
    (
        FATIMA,
        "Has she worked in London?",
        &["Thames & Harbour Investments"],
        &[DOES_NOT_SAY],
    ),
    (
        FATIMA,
        "Does she do sanctions screening?",
        &["sanctions"],
        &[DOES_NOT_SAY],
    ),
    (
        FATIMA,
        "Has she been through a regulatory inspection?",
        &["central bank inspection"],
        &[DOES_NOT_SAY],
    ),
    (
        FATIMA,
        "Does she mentor anyone?",
        &["Women in Compliance UAE"],
        &[DOES_NOT_SAY],
    ),
    (
        FATIMA,
        "What's her notice period?",
        &["three months"],
        &[DOES_NOT_SAY],
    ),
    (
        FATIMA,
        "Is she open to hybrid work?",
        &["open to hybrid"],
        &[DOES_NOT_SAY],
    ),
    (
        FATIMA,
        "Does she need a visa?",
        &["UAE resident"],
        &[DOES_NOT_SAY],
    ),
    (
        FATIMA,
        "What's the weather in Dubai?",
        &[DOES_NOT_SAY],
        &["Gulf Crescent"],
    ),
    (
        FATIMA,
        "What are her hobbies?",
        &["Calligraphy"],
        &[DOES_NOT_SAY],
    ),
    (
        FATIMA,
        "wat is her LinkedIn?",
        &["linkedin.com/in/fatima-al-sayed-example"],
        &[DOES_NOT_SAY],
    ),
    (
        FATIMA,
        "What's her name?",
        &["Fatima Al-Sayed"],
        &[DOES_NOT_SAY],
    ),
    // An eighteenth batch on a twentieth resume (DOCX with bold role lines and the dates on
    // the next line, a supply chain manager), written before the answerer first saw the file,
    // after every change above: 29 of 30 on that first run. The miss, "Belgium" for a role in
    // Antwerp (a city the table did not have), was fixed afterwards.
    (
        PIETER,
        "What is his email?",
        &["pieter.vanderberg@example.nl"],
        &[DOES_NOT_SAY],
    ),
    (
        PIETER,
        "Phone number?",
        &["+31 6 1234 5678"],
        &[DOES_NOT_SAY],
    ),
    (
        PIETER,
        "Where does he live?",
        &["Rotterdam"],
        &[DOES_NOT_SAY],
    ),
    (
        PIETER,
        "Where does he work now?",
        &["Havenlijn Logistics"],
        &[DOES_NOT_SAY, "Verse Oogst"],
    ),
    (
        PIETER,
        "What is his current job title?",
        &["Supply Chain Manager"],
        &[DOES_NOT_SAY],
    ),
    (
        PIETER,
        "How many containers do his warehouses handle?",
        &["1,800 containers a week"],
        &[DOES_NOT_SAY],
    ),
    (PIETER, "Has he used SAP?", &["SAP IBP"], &[DOES_NOT_SAY]),
    (PIETER, "Does he know Oracle SCM?", &["does not"], &[]),
    (
        PIETER,
        "How did he improve forecast accuracy?",
        &["71% to 88%"],
        &[DOES_NOT_SAY],
    ),
    (
        PIETER,
        "How big is his team?",
        &["eleven planners"],
        &[DOES_NOT_SAY],
    ),
    (
        PIETER,
        "Where did he study?",
        &["Erasmus University Rotterdam"],
        &[DOES_NOT_SAY],
    ),
    (
        PIETER,
        "Did he graduate with honours?",
        &["cum laude"],
        &[DOES_NOT_SAY],
    ),
    (PIETER, "Is he certified?", &["APICS CSCP"], &[DOES_NOT_SAY]),
    (
        PIETER,
        "What languages does he speak?",
        &["Dutch", "German"],
        &[DOES_NOT_SAY],
    ),
    (
        PIETER,
        "How many years of experience does he have?",
        &["since 2012"],
        &[DOES_NOT_SAY],
    ),
    (
        PIETER,
        "List every employer he has had",
        &[
            "Havenlijn Logistics",
            "Verse Oogst Foods",
            "Delta Cold Storage",
        ],
        &[DOES_NOT_SAY],
    ),
    (
        PIETER,
        "Where did he work before Verse Oogst Foods?",
        &["Delta Cold Storage"],
        &[DOES_NOT_SAY, "Havenlijn"],
    ),
    (
        PIETER,
        "What did he do after Delta Cold Storage?",
        &["Verse Oogst Foods"],
        &[DOES_NOT_SAY, "Havenlijn"],
    ),
    (
        PIETER,
        "How much did he reduce spoilage?",
        &["22%"],
        &[DOES_NOT_SAY],
    ),
    (
        PIETER,
        "Has he negotiated contracts?",
        &["carrier contracts"],
        &[DOES_NOT_SAY],
    ),
    (
        PIETER,
        "Has he worked in Belgium?",
        &["Delta Cold Storage"],
        &[DOES_NOT_SAY],
    ),
    (PIETER, "Does he know Lean?", &["Lean"], &[DOES_NOT_SAY]),
    (
        PIETER,
        "Can he drive a truck?",
        &["C (trucks)"],
        &[DOES_NOT_SAY],
    ),
    (
        PIETER,
        "Is he open to remote work?",
        &["remote the rest"],
        &[DOES_NOT_SAY],
    ),
    (
        PIETER,
        "What's his notice period?",
        &["one month"],
        &[DOES_NOT_SAY],
    ),
    (
        PIETER,
        "What's the weather in Rotterdam?",
        &[DOES_NOT_SAY],
        &["Havenlijn"],
    ),
    (
        PIETER,
        "What are his hobbies?",
        &["sailing"],
        &[DOES_NOT_SAY],
    ),
    (
        PIETER,
        "wat sistems does he use?",
        &["SAP IBP"],
        &[DOES_NOT_SAY],
    ),
    (
        PIETER,
        "What is his name?",
        &["Pieter van der Berg"],
        &[DOES_NOT_SAY],
    ),
    (PIETER, "Does he speak Spanish?", &["does not"], &[]),
    // A nineteenth batch on a twenty-first resume (plain text with indented bullets, a
    // regulatory affairs manager), written before the answerer first saw the file, after every
    // change above: 30 of 30 on that first run.
    (
        LENA,
        "What is her email?",
        &["lena.hoffmann@example.at"],
        &[DOES_NOT_SAY],
    ),
    (
        LENA,
        "What's her phone number?",
        &["+43 664 555 0123"],
        &[DOES_NOT_SAY],
    ),
    (LENA, "Where is she based?", &["Vienna"], &[DOES_NOT_SAY]),
    (
        LENA,
        "Where does she work now?",
        &["Donau Pharma"],
        &[DOES_NOT_SAY, "Alpen Generics"],
    ),
    (
        LENA,
        "What is her current job title?",
        &["Regulatory Affairs Manager"],
        &[DOES_NOT_SAY],
    ),
    (
        LENA,
        "Is she a pharmacist?",
        &["pharmacist"],
        &[DOES_NOT_SAY],
    ),
    (
        LENA,
        "How many submissions has she led?",
        &["14 marketing authorisation submissions"],
        &[DOES_NOT_SAY],
    ),
    (LENA, "Does she know eCTD?", &["eCTD"], &[DOES_NOT_SAY]),
    (
        LENA,
        "Has she used Veeva?",
        &["Veeva Vault RIM"],
        &[DOES_NOT_SAY],
    ),
    (LENA, "Does she know SAS?", &["does not"], &[]),
    (
        LENA,
        "Does she manage a team?",
        &["team of four"],
        &[DOES_NOT_SAY],
    ),
    (
        LENA,
        "Where did she study?",
        &["University of Vienna"],
        &[DOES_NOT_SAY],
    ),
    (LENA, "What was her grade?", &["very good"], &[DOES_NOT_SAY]),
    (LENA, "Is she certified?", &["RAC-Drugs"], &[DOES_NOT_SAY]),
    (
        LENA,
        "What languages does she speak?",
        &["German", "French"],
        &[DOES_NOT_SAY],
    ),
    (
        LENA,
        "How many years of experience does she have?",
        &["since 2014"],
        &[DOES_NOT_SAY],
    ),
    (
        LENA,
        "List every company she has worked for",
        &["Donau Pharma", "Alpen Generics", "Apotheke am Ring"],
        &[DOES_NOT_SAY],
    ),
    (
        LENA,
        "Where did she work before Alpen Generics?",
        &["Apotheke am Ring"],
        &[DOES_NOT_SAY, "Donau"],
    ),
    (
        LENA,
        "What did she do after Apotheke am Ring?",
        &["Alpen Generics"],
        &[DOES_NOT_SAY, "Donau"],
    ),
    (
        LENA,
        "Has she worked in Switzerland?",
        &["Alpen Generics"],
        &[DOES_NOT_SAY],
    ),
    (
        LENA,
        "Does she know pharmacovigilance?",
        &["pharmacovigilance"],
        &[DOES_NOT_SAY],
    ),
    (
        LENA,
        "Has she worked with the EMA?",
        &["EMA"],
        &[DOES_NOT_SAY],
    ),
    (
        LENA,
        "Is she open to remote work?",
        &["hybrid, two days a week"],
        &[DOES_NOT_SAY],
    ),
    (
        LENA,
        "What's her notice period?",
        &["three months"],
        &[DOES_NOT_SAY],
    ),
    (
        LENA,
        "What's the weather in Vienna?",
        &[DOES_NOT_SAY],
        &["Donau"],
    ),
    (
        LENA,
        "What are her hobbies?",
        &["alpine skiing"],
        &[DOES_NOT_SAY],
    ),
    (
        LENA,
        "Does she play an instrument?",
        &["cello"],
        &[DOES_NOT_SAY],
    ),
    (
        LENA,
        "wat tols does she use?",
        &["Argus Safety"],
        &[DOES_NOT_SAY],
    ),
    (
        LENA,
        "What is her name?",
        &["Lena Hoffmann"],
        &[DOES_NOT_SAY],
    ),
    (LENA, "Does she speak Italian?", &["does not"], &[]),
    // A twentieth batch on a twenty-second resume (the original service's JSON, a data
    // platform engineer), written before the answerer first saw the file, after every change
    // above: 28 of 30 on that first run (93 %). Missed: "save money on cloud costs" for "cut
    // the monthly cloud bill by 35%" (no word in common), and "how many years of experience"
    // answered from the roles' dates (11) while the summary says eight; the answer now gives
    // what the resume says, then the count.
    (
        INES,
        "What is her email?",
        &["ines.carvalho@example.pt"],
        &[DOES_NOT_SAY],
    ),
    (INES, "Where is she based?", &["Porto"], &[DOES_NOT_SAY]),
    (
        INES,
        "Where does she work now?",
        &["Ribeira Logistics"],
        &[DOES_NOT_SAY, "Mercado Verde"],
    ),
    (
        INES,
        "What is her current job title?",
        &["Senior Data Platform Engineer"],
        &[DOES_NOT_SAY],
    ),
    (INES, "Has she used Airflow?", &["Airflow"], &[DOES_NOT_SAY]),
    (INES, "Does she know Kafka?", &["Kafka"], &[DOES_NOT_SAY]),
    (
        INES,
        "Has she worked with Flink?",
        &["Flink"],
        &[DOES_NOT_SAY],
    ),
    (INES, "Does she know Java?", &["does not"], &[]),
    (
        INES,
        "What cloud platforms has she used?",
        &["GCP", "AWS"],
        &[DOES_NOT_SAY],
    ),
    (
        INES,
        "Which databases does she know?",
        &["Snowflake", "BigQuery"],
        &[DOES_NOT_SAY],
    ),
    (
        INES,
        "Where did she study?",
        &["University of Porto"],
        &[DOES_NOT_SAY],
    ),
    (INES, "What was her GPA?", &["17/20"], &[DOES_NOT_SAY]),
    (
        INES,
        "Is she certified?",
        &["Google Cloud Professional Data Engineer"],
        &[DOES_NOT_SAY],
    ),
    (
        INES,
        "Does she mentor people?",
        &["two junior engineers"],
        &[DOES_NOT_SAY],
    ),
    (
        INES,
        "How many parcels does her pipeline track?",
        &["60,000"],
        &[DOES_NOT_SAY],
    ),
    (
        INES,
        "Did she save money on cloud costs?",
        &["35%"],
        &[DOES_NOT_SAY],
    ),
    (
        INES,
        "Where did she work before Ribeira Logistics?",
        &["Mercado Verde"],
        &[DOES_NOT_SAY],
    ),
    (
        INES,
        "List all her employers",
        &["Ribeira Logistics", "Mercado Verde", "Farmácias Douro"],
        &[DOES_NOT_SAY],
    ),
    (
        INES,
        "Has she used Power BI?",
        &["Power BI"],
        &[DOES_NOT_SAY],
    ),
    (
        INES,
        "Does she have open source projects?",
        &["contract-lint"],
        &[DOES_NOT_SAY],
    ),
    (
        INES,
        "What's her GitHub?",
        &["github.com/ines-carvalho-example"],
        &[DOES_NOT_SAY],
    ),
    (
        INES,
        "wich programming languges does she no?",
        &["Python", "Scala"],
        &[DOES_NOT_SAY],
    ),
    (
        INES,
        "Has she worked at Farmacias Douro?",
        &["Farmácias Douro"],
        &[DOES_NOT_SAY],
    ),
    (
        INES,
        "What's the weather in Porto?",
        &[DOES_NOT_SAY],
        &["Ribeira"],
    ),
    (
        INES,
        "How many years of experience does she have?",
        &["eight years"],
        &[DOES_NOT_SAY],
    ),
    (
        INES,
        "What is her name?",
        &["Inês Carvalho"],
        &[DOES_NOT_SAY],
    ),
    (
        INES,
        "Does she know Terraform?",
        &["Terraform"],
        &[DOES_NOT_SAY],
    ),
    (INES, "Has she done on-call?", &["on-call"], &[DOES_NOT_SAY]),
    (INES, "Does she speak Spanish?", &["does not"], &[]),
    (
        INES,
        "What did she study at Minho?",
        &["BSc in Statistics"],
        &[DOES_NOT_SAY],
    ),
];

/// The share of right answers this table must keep. It records where the answerer stands, so
/// that a change that makes answers worse fails; raise it as answers get better.
const FLOOR: f64 = 0.95;

fn fixture(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../resume-loader/tests/data")
        .join(file)
}

#[test]
fn answers_recruiter_questions_on_resumes_it_was_not_built_on() {
    let mut right = 0;
    let mut wrong = Vec::new();
    let mut answerers: Vec<(&str, OfflineAnswerer)> = Vec::new();
    for (file, question, must, must_not) in ROWS {
        if !answerers.iter().any(|(f, _)| f == file) {
            let resume = resume_loader::load_resume(&fixture(file))
                .unwrap_or_else(|err| panic!("{file} loads: {err}"));
            answerers.push((file, OfflineAnswerer::new(&resume)));
        }
        let Some((_, answerer)) = answerers.iter().find(|(f, _)| f == file) else {
            continue;
        };
        let answer = answerer.answer(question);
        let ok =
            must.iter().all(|m| answer.contains(m)) && !must_not.iter().any(|m| answer.contains(m));
        if ok {
            right += 1;
        } else {
            wrong.push(format!("{file} | {question}\n{answer}\n"));
        }
    }
    let share = f64::from(right) / ROWS.len() as f64;
    println!(
        "held-out offline answers: {right} of {} right ({:.0} %)\nwrong:\n{}",
        ROWS.len(),
        share * 100.0,
        wrong.join("\n")
    );
    assert!(
        share >= FLOOR,
        "{:.0} % right, below the floor of {:.0} %",
        share * 100.0,
        FLOOR * 100.0
    );
}
