//! The deterministic text corpus: what the tokenizer is trained on and what every benchmark and test tokenizes.
//!
//! Three length classes, as an inference service sees them:
//!
//! * [`TextClass::ChatTurn`] — one chat message, a few words to a few
//!   sentences (tens to a few hundred bytes), with emoji and other
//!   languages mixed in;
//! * [`TextClass::Paragraph`] — a prose paragraph, a code snippet, a block
//!   of log lines or a table, or a paragraph in another language (hundreds
//!   of bytes to a few KiB): the size of a retrieval chunk or a prompt;
//! * [`TextClass::Document`] — a long Markdown document mixing all of the
//!   above (several KiB to tens of KiB).
//!
//! Each class has its own seed and byte budget, so changing one class does
//! not shift the others. The random stream is ChaCha8 (specified bit for
//! bit) and every draw is a `u32` range or a Bernoulli trial, so the corpus
//! is byte-identical on every platform; all text comes from the word lists
//! in [`words`].
//!
//! The corpus is 2.5 MiB, more than the 1 MB the benchmarks need, because
//! BPE learns tokens only from pairs that repeat: half the text supports
//! only about 16 000 tokens, the bottom of the range production
//! vocabularies have (see [`crate::train::VOCAB_SIZE`]).

pub mod words;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use words::{SpacedLanguage, UnspacedLanguage};

/// Seed of the chat-turn stream.
pub const CHAT_TURN_SEED: u64 = 0xC4A7_0001;
/// Seed of the paragraph stream.
pub const PARAGRAPH_SEED: u64 = 0x9A4A_0002;
/// Seed of the document stream.
pub const DOCUMENT_SEED: u64 = 0xD0C5_0003;

/// Bytes of chat turns: a fifth of the corpus, about 6 000 messages, so
/// short texts are well represented in training, as they are in traffic.
pub const CHAT_TURN_BYTES: usize = 512 * 1024;
/// Bytes of paragraphs: two fifths, because mid-length text is what both
/// prompts and retrieval chunks are made of.
pub const PARAGRAPH_BYTES: usize = 1024 * 1024;
/// Bytes of documents: two fifths, a few hundred long documents.
pub const DOCUMENT_BYTES: usize = 1024 * 1024;

/// One of the three length classes of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TextClass {
    ChatTurn,
    Paragraph,
    Document,
}

impl TextClass {
    /// Every class, shortest first.
    pub const ALL: [TextClass; 3] = [Self::ChatTurn, Self::Paragraph, Self::Document];

    /// The class's name in benchmark ids and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Self::ChatTurn => "chat_turn",
            Self::Paragraph => "paragraph",
            Self::Document => "document",
        }
    }

    /// The seed the committed corpus generates this class from.
    pub fn seed(self) -> u64 {
        match self {
            Self::ChatTurn => CHAT_TURN_SEED,
            Self::Paragraph => PARAGRAPH_SEED,
            Self::Document => DOCUMENT_SEED,
        }
    }

    /// How many bytes of this class the committed corpus holds (at least).
    pub fn byte_budget(self) -> usize {
        match self {
            Self::ChatTurn => CHAT_TURN_BYTES,
            Self::Paragraph => PARAGRAPH_BYTES,
            Self::Document => DOCUMENT_BYTES,
        }
    }
}

/// The generated corpus, texts grouped by class in generation order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corpus {
    chat_turns: Vec<String>,
    paragraphs: Vec<String>,
    documents: Vec<String>,
}

impl Corpus {
    /// The corpus the committed tokenizer is trained on: every class from
    /// its own seed up to its byte budget.
    pub fn generate() -> Self {
        let class = |c: TextClass| generate_class(c, c.seed(), c.byte_budget());
        Self {
            chat_turns: class(TextClass::ChatTurn),
            paragraphs: class(TextClass::Paragraph),
            documents: class(TextClass::Document),
        }
    }

    /// The texts of one class, in generation order.
    pub fn texts(&self, class: TextClass) -> &[String] {
        match class {
            TextClass::ChatTurn => &self.chat_turns,
            TextClass::Paragraph => &self.paragraphs,
            TextClass::Document => &self.documents,
        }
    }

    /// Every text, chat turns first, then paragraphs, then documents: the
    /// order training reads them in.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        TextClass::ALL
            .into_iter()
            .flat_map(|class| self.texts(class).iter().map(String::as_str))
    }

    /// Total UTF-8 bytes of one class.
    pub fn class_bytes(&self, class: TextClass) -> usize {
        self.texts(class).iter().map(String::len).sum()
    }

    /// Total UTF-8 bytes of the corpus.
    pub fn total_bytes(&self) -> usize {
        TextClass::ALL
            .into_iter()
            .map(|c| self.class_bytes(c))
            .sum()
    }
}

/// Texts of `class` drawn from `seed` until they total at least
/// `byte_budget` bytes. Identical arguments give identical texts, and a
/// smaller budget gives a prefix of a larger one's texts.
pub fn generate_class(class: TextClass, seed: u64, byte_budget: usize) -> Vec<String> {
    let mut writer = Writer::new(seed);
    let mut texts = Vec::new();
    let mut bytes = 0;
    while bytes < byte_budget {
        let text = match class {
            TextClass::ChatTurn => writer.chat_turn(),
            TextClass::Paragraph => writer.paragraph(),
            TextClass::Document => writer.document(),
        };
        bytes += text.len();
        texts.push(text);
    }
    texts
}

/// Probability that a verb or verb form gets a derivational prefix. One in
/// ten keeps prefixed forms rare, as in real prose, while still adding
/// thousands of distinct word forms to the corpus.
const DERIVED_WORD_PROBABILITY: f64 = 0.1;

/// Probability that a chat turn is written in another language than
/// English: about one in five, a multilingual service's share.
const CHAT_FOREIGN_PROBABILITY: f64 = 0.2;
/// Probability that a chat turn carries emoji at all.
const CHAT_EMOJI_PROBABILITY: f64 = 0.45;
/// Probability that a chat turn quotes a bit of code inline.
const CHAT_CODE_PROBABILITY: f64 = 0.15;

/// Builds texts from one seeded random stream.
struct Writer {
    rng: ChaCha8Rng,
}

impl Writer {
    fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    // ----- random primitives -------------------------------------------------

    /// A uniform integer in `low..=high`. `u32` keeps the draw
    /// independent of the platform's pointer width.
    fn between(&mut self, low: u32, high: u32) -> u32 {
        self.rng.random_range(low..=high)
    }

    fn chance(&mut self, probability: f64) -> bool {
        self.rng.random_bool(probability)
    }

    /// One element of a non-empty embedded list.
    fn pick<T: Copy>(&mut self, list: &[T]) -> T {
        // The embedded lists are non-empty (a test checks them), so the
        // range is never empty.
        let last = u32::try_from(list.len().saturating_sub(1)).unwrap_or(u32::MAX);
        list[self.between(0, last) as usize]
    }

    /// One element of a non-empty list, early elements more often: the
    /// index is uniform below a uniform bound, so element `i` of `n` has
    /// probability about `ln(n / i) / n`. That gives word frequencies the
    /// skew of natural text (a few words everywhere, most words rare)
    /// with integer draws only.
    fn pick_skewed<T: Copy>(&mut self, list: &[T]) -> T {
        let last = u32::try_from(list.len().saturating_sub(1)).unwrap_or(u32::MAX);
        let bound = self.between(0, last);
        list[self.between(0, bound) as usize]
    }

    // ----- words and numbers ---------------------------------------------------

    /// A noun: mostly a listed one, sometimes plural, sometimes a derived
    /// form such as "subcaches" or "budgetless".
    fn noun(&mut self) -> String {
        let root = self.pick_skewed(words::NOUNS);
        match self.between(0, 19) {
            0..=11 => root.to_owned(),
            12..=15 => plural(root),
            16 | 17 => format!("{}{}", self.pick(words::PREFIXES), plural(root)),
            _ => inflect(root, self.pick(words::NOUN_SUFFIXES)),
        }
    }

    /// A verb in the third person or the past: mostly listed, sometimes
    /// prefixed ("reloads", "overcached").
    fn verb(&mut self) -> String {
        let verb = if self.chance(0.5) {
            self.pick_skewed(words::VERBS)
        } else {
            self.pick_skewed(words::PAST_VERBS)
        };
        if self.chance(DERIVED_WORD_PROBABILITY) {
            format!("{}{verb}", self.pick(words::PREFIXES))
        } else {
            verb.to_owned()
        }
    }

    /// A word formed from a verb's stem, such as "encoding" or "fixable".
    fn verb_form(&mut self) -> String {
        let verb = self.pick_skewed(words::VERBS);
        // The third-person "s" off gives the stem ("caches" → "cache");
        // `inflect` then applies the spelling rules.
        let stem = verb.strip_suffix('s').unwrap_or(verb);
        let form = inflect(stem, self.pick(words::VERB_SUFFIXES));
        if self.chance(DERIVED_WORD_PROBABILITY) {
            format!("{}{form}", self.pick(words::PREFIXES))
        } else {
            form
        }
    }

    /// An adjective: mostly listed, sometimes prefixed or suffixed.
    fn adjective(&mut self) -> String {
        let root = self.pick_skewed(words::ADJECTIVES);
        match self.between(0, 9) {
            0..=6 => root.to_owned(),
            7 => format!("{}{root}", self.pick(words::PREFIXES)),
            _ => inflect(root, self.pick(words::ADJECTIVE_SUFFIXES)),
        }
    }

    /// A generated proper noun such as "Karolin" or "Velmari".
    fn name(&mut self) -> String {
        let syllables = self.between(2, 3);
        let mut name = String::new();
        for _ in 0..syllables {
            name.push_str(self.pick(words::NAME_SYLLABLES));
        }
        capitalize(&name)
    }

    /// A number as prose and tables write them: counts, years, decimals,
    /// thousands separators and percentages.
    fn number(&mut self) -> String {
        match self.between(0, 5) {
            0 => self.between(2, 99).to_string(),
            1 => self.between(1950, 2030).to_string(),
            2 => format!("{}.{:02}", self.between(0, 999), self.between(0, 99)),
            3 => with_thousands(self.between(1_000, 9_999_999)),
            4 => format!("{}%", self.between(1, 100)),
            _ => self.between(100, 99_999).to_string(),
        }
    }

    fn identifier_parts(&mut self) -> Vec<&'static str> {
        let parts = self.between(1, 3);
        (0..parts).map(|_| self.pick(words::IDENT_PARTS)).collect()
    }

    fn snake(&mut self) -> String {
        self.identifier_parts().join("_")
    }

    fn camel(&mut self) -> String {
        let parts = self.identifier_parts();
        let mut out = String::new();
        for (i, part) in parts.iter().enumerate() {
            if i == 0 {
                out.push_str(part);
            } else {
                out.push_str(&capitalize(part));
            }
        }
        out
    }

    fn pascal(&mut self) -> String {
        self.identifier_parts()
            .iter()
            .map(|p| capitalize(p))
            .collect()
    }

    fn date_iso(&mut self) -> String {
        format!(
            "{}-{:02}-{:02}",
            self.between(2015, 2029),
            self.between(1, 12),
            self.between(1, 28)
        )
    }

    fn timestamp(&mut self) -> String {
        format!(
            "{}T{:02}:{:02}:{:02}.{:03}Z",
            self.date_iso(),
            self.between(0, 23),
            self.between(0, 59),
            self.between(0, 59),
            self.between(0, 999)
        )
    }

    /// A date in one of the spellings people and programs use.
    fn date_any(&mut self) -> String {
        match self.between(0, 4) {
            0 => self.date_iso(),
            1 => format!(
                "{} {} {}",
                self.between(1, 28),
                self.pick(words::MONTHS),
                self.between(1990, 2029)
            ),
            2 => format!(
                "{:02}/{:02}/{}",
                self.between(1, 12),
                self.between(1, 28),
                self.between(1990, 2029)
            ),
            3 => format!(
                "{}, {} {}",
                self.pick(words::WEEKDAYS),
                self.pick(words::MONTHS_SHORT),
                self.between(1, 28)
            ),
            _ => format!(
                "{:02}.{:02}.{}",
                self.between(1, 28),
                self.between(1, 12),
                self.between(1990, 2029)
            ),
        }
    }

    fn money(&mut self) -> String {
        format!(
            "{}{}.{:02}",
            self.pick(words::CURRENCIES),
            with_thousands(self.between(1, 250_000)),
            self.between(0, 99)
        )
    }

    fn measurement(&mut self) -> String {
        format!(
            "{}.{} {}",
            self.between(0, 9_999),
            self.between(0, 9),
            self.pick(words::UNITS)
        )
    }

    fn hex(&mut self, digits: u32) -> String {
        (0..digits)
            .map(|_| char::from_digit(self.between(0, 15), 16).unwrap_or('0'))
            .collect()
    }

    fn emoji_run(&mut self) -> String {
        let count = self.between(1, 3);
        (0..count).map(|_| self.pick(words::EMOJI)).collect()
    }

    // ----- English prose ---------------------------------------------------------

    fn noun_phrase(&mut self) -> String {
        match self.between(0, 6) {
            0 => format!("the {}", self.noun()),
            1 => format!("a {} {}", self.adjective(), self.noun()),
            2 => format!(
                "{} {}",
                self.number(),
                plural(self.pick_skewed(words::NOUNS))
            ),
            3 => format!("the {} {}", self.name(), self.noun()),
            4 => format!("\"{} {}\"", self.adjective(), self.noun()),
            5 => format!("the {} of {}", self.verb_form(), self.noun()),
            _ => format!(
                "the {} {} of {}",
                self.adjective(),
                self.noun(),
                self.name()
            ),
        }
    }

    fn subject(&mut self) -> String {
        match self.between(0, 3) {
            0 => format!("the {} {}", self.adjective(), self.noun()),
            1 => self.name(),
            2 => format!("our {}", self.noun()),
            _ => format!("a {} from {}", self.noun(), self.name()),
        }
    }

    fn clause(&mut self) -> String {
        let mut clause = self.subject();
        clause.push(' ');
        if self.chance(0.25) {
            clause.push_str(self.pick(words::ADVERBS));
            clause.push(' ');
        }
        clause.push_str(&self.verb());
        clause.push(' ');
        clause.push_str(&self.noun_phrase());
        if self.chance(0.5) {
            clause.push(' ');
            clause.push_str(self.pick(words::PREPOSITIONS));
            clause.push(' ');
            clause.push_str(&self.noun_phrase());
        }
        clause
    }

    fn sentence(&mut self) -> String {
        let mut sentence = String::new();
        if self.chance(0.2) {
            sentence.push_str(self.pick(words::OPENERS));
            sentence.push(' ');
        }
        sentence.push_str(&self.clause());
        if self.chance(0.3) {
            sentence.push_str(", ");
            sentence.push_str(self.pick(words::CONJUNCTIONS));
            sentence.push(' ');
            sentence.push_str(&self.clause());
        }
        match self.between(0, 9) {
            0 => {
                let aside = format!(" (about {})", self.number());
                sentence.push_str(&aside);
            }
            1 => {
                let date = format!(" on {}", self.date_any());
                sentence.push_str(&date);
            }
            2 => {
                let cost = format!(" for {}", self.money());
                sentence.push_str(&cost);
            }
            _ => {}
        }
        sentence.push_str(match self.between(0, 9) {
            0 => "!",
            1 => "?",
            2 => "...",
            _ => ".",
        });
        capitalize(&sentence)
    }

    fn prose_paragraph(&mut self) -> String {
        let sentences = self.between(3, 8);
        let parts: Vec<String> = (0..sentences).map(|_| self.sentence()).collect();
        parts.join(" ")
    }

    // ----- other languages -------------------------------------------------------

    fn spaced_sentence(&mut self, language: SpacedLanguage) -> String {
        let count = self.between(4, 12);
        let mut sentence = String::new();
        for i in 0..count {
            if i > 0 {
                sentence.push_str(if self.chance(0.1) { ", " } else { " " });
            }
            sentence.push_str(self.pick(language.words));
        }
        if self.chance(0.15) {
            sentence.push(' ');
            sentence.push_str(&self.number());
        }
        sentence.push_str(self.pick(language.terminators));
        capitalize(&sentence)
    }

    fn unspaced_sentence(&mut self, language: UnspacedLanguage) -> String {
        let count = self.between(4, 14);
        let mut sentence = String::new();
        for i in 0..count {
            if i > 0 && self.chance(0.12) {
                sentence.push_str(language.comma);
            }
            sentence.push_str(self.pick(language.words));
        }
        if self.chance(0.15) {
            sentence.push_str(&self.number());
        }
        sentence.push_str(self.pick(language.terminators));
        sentence
    }

    fn foreign_sentence(&mut self) -> String {
        // Spaced languages outnumber unspaced ones, as on the web.
        if self.chance(0.7) {
            let language = self.pick(words::SPACED_LANGUAGES);
            self.spaced_sentence(language)
        } else {
            let language = self.pick(words::UNSPACED_LANGUAGES);
            self.unspaced_sentence(language)
        }
    }

    fn foreign_paragraph(&mut self) -> String {
        let sentences = self.between(2, 6);
        if self.chance(0.7) {
            let language = self.pick(words::SPACED_LANGUAGES);
            let parts: Vec<String> = (0..sentences)
                .map(|_| self.spaced_sentence(language))
                .collect();
            parts.join(" ")
        } else {
            let language = self.pick(words::UNSPACED_LANGUAGES);
            (0..sentences)
                .map(|_| self.unspaced_sentence(language))
                .collect()
        }
    }

    // ----- code ------------------------------------------------------------------

    fn code_block(&mut self) -> (&'static str, String) {
        match self.between(0, 5) {
            0 | 1 => ("rust", self.rust_function()),
            2 | 3 => ("python", self.python_function()),
            4 => ("javascript", self.javascript_function()),
            _ => match self.between(0, 2) {
                0 => ("json", self.json_object()),
                1 => ("sql", self.sql_query()),
                _ => ("sh", self.shell_session()),
            },
        }
    }

    fn rust_statement(&mut self, var: &str, arg: &str) -> String {
        match self.between(0, 7) {
            0 => format!("    {var} += {arg}.len() as u64 * {};", self.between(2, 64)),
            1 => format!(
                "    let {} = {arg}.iter().map(|x| x * {}.{}).sum::<f32>();",
                self.snake(),
                self.between(0, 9),
                self.between(0, 99)
            ),
            2 => format!(
                "    if {var} > {} {{\n        return Err(Error::{}(\"{} {}\".into()));\n    }}",
                self.between(1, 65_536),
                self.pascal(),
                self.pick(words::ADJECTIVES),
                self.pick(words::NOUNS)
            ),
            3 => format!(
                "    for {} in 0..{} {{\n        {var} = {var}.wrapping_mul(0x{}).rotate_left({});\n    }}",
                self.pick(&["i", "j", "k", "step", "idx"]),
                self.between(2, 1024),
                self.hex(8),
                self.between(1, 31)
            ),
            4 => format!(
                "    // {}",
                self.sentence().to_lowercase().trim_end_matches('.')
            ),
            5 => format!(
                "    let {} = self.{}.get(&{}).copied().unwrap_or_default();",
                self.snake(),
                self.snake(),
                self.snake()
            ),
            6 => format!(
                "    tracing::debug!({} = {var}, \"{}\");",
                self.snake(),
                self.clause()
            ),
            _ => format!("    {var} ^= {arg}.first().copied().unwrap_or(0) as u64;"),
        }
    }

    fn rust_function(&mut self) -> String {
        let name = self.snake();
        let arg = self.snake();
        let var = self.snake();
        let arg_type = self.pick(words::RUST_TYPES);
        let return_type = self.pick(words::RUST_TYPES);
        let mut code = format!(
            "/// {}\npub fn {name}({arg}: {arg_type}) -> Result<{return_type}, Error> {{\n    let mut {var} = 0u64;\n",
            self.sentence()
        );
        let statements = self.between(2, 7);
        for _ in 0..statements {
            code.push_str(&self.rust_statement(&var, &arg));
            code.push('\n');
        }
        code.push_str(&format!("    Ok({var}.into())\n}}\n"));
        code
    }

    fn python_function(&mut self) -> String {
        let name = self.snake();
        let items = self.snake();
        let result = self.snake();
        let mut code = format!(
            "def {name}({items}, {}={}):\n    \"\"\"{}\"\"\"\n    {result} = []\n",
            self.snake(),
            self.pick(&["None", "0", "True", "False", "1e-5", "\"auto\"", "32"]),
            self.sentence()
        );
        let statements = self.between(2, 6);
        for _ in 0..statements {
            let line = match self.between(0, 4) {
                0 => format!(
                    "    for i, x in enumerate({items}):\n        if x > {}:\n            {result}.append(x * {})",
                    self.between(0, 1000),
                    self.between(2, 9)
                ),
                1 => format!(
                    "    {} = {}({items})",
                    self.snake(),
                    self.pick(words::PYTHON_BUILTINS)
                ),
                2 => format!(
                    "    print(f\"{{len({result})}} {} in {{{}:.2f}}s\")",
                    self.pick(words::NOUNS),
                    self.snake()
                ),
                3 => format!("    # {}", self.clause()),
                _ => format!(
                    "    {result} = [x for x in {result} if x % {} == 0]",
                    self.between(2, 17)
                ),
            };
            code.push_str(&line);
            code.push('\n');
        }
        code.push_str(&format!("    return {result}\n"));
        code
    }

    fn javascript_function(&mut self) -> String {
        let name = self.camel();
        let arg = self.camel();
        let response = self.camel();
        format!(
            "export const {name} = async ({arg}, options = {{}}) => {{\n  const {response} = await fetch(`/api/v{}/{}/${{{arg}}}`, {{ method: \"{}\" }});\n  if (!{response}.ok) {{\n    throw new Error(`{} failed: ${{{response}.status}}`);\n  }}\n  const {{ {}, {} }} = await {response}.json();\n  return {{ ...options, {}: {} }};\n}};\n",
            self.between(1, 3),
            self.snake(),
            self.pick(&["GET", "POST", "PUT", "DELETE"]),
            self.camel(),
            self.camel(),
            self.camel(),
            self.camel(),
            self.number()
        )
    }

    fn json_object(&mut self) -> String {
        let keys = self.between(3, 9);
        let mut lines = Vec::new();
        for _ in 0..keys {
            let value = match self.between(0, 4) {
                0 => self.between(0, 100_000).to_string(),
                1 => format!(
                    "{}.{}e-{}",
                    self.between(1, 9),
                    self.between(0, 99),
                    self.between(1, 6)
                ),
                2 => format!("\"{}\"", self.snake()),
                3 => self.pick(&["true", "false", "null"]).to_owned(),
                _ => format!(
                    "[{}, {}, {}]",
                    self.between(0, 512),
                    self.between(0, 512),
                    self.between(0, 512)
                ),
            };
            lines.push(format!("  \"{}\": {value}", self.snake()));
        }
        format!("{{\n{}\n}}\n", lines.join(",\n"))
    }

    fn sql_query(&mut self) -> String {
        let column = self.snake();
        format!(
            "SELECT {column}, COUNT(*) AS n, AVG({}) AS mean_{}\nFROM {}\nWHERE {} > {} AND created_at >= '{}'\nGROUP BY {column}\nORDER BY n DESC\nLIMIT {};\n",
            self.snake(),
            self.snake(),
            self.pick(words::SQL_TABLES),
            self.snake(),
            self.between(0, 10_000),
            self.date_iso(),
            self.between(1, 500)
        )
    }

    fn shell_session(&mut self) -> String {
        let lines = self.between(2, 5);
        let mut out = String::new();
        for _ in 0..lines {
            let line = match self.between(0, 3) {
                0 => format!(
                    "$ cargo bench -p {} -- --sample-size {}\n",
                    self.snake(),
                    self.between(10, 200)
                ),
                1 => format!(
                    "$ curl -s http://localhost:{}/v1/{} | jq '.{}'\n",
                    self.between(1024, 65_535),
                    self.snake(),
                    self.snake()
                ),
                2 => format!(
                    "$ export {}_{}={}\n",
                    self.snake().to_uppercase(),
                    self.pick(&["THREADS", "PATH", "LEVEL", "SIZE"]),
                    self.between(1, 128)
                ),
                _ => format!(
                    "test {}::{} ... ok ({})\n",
                    self.snake(),
                    self.snake(),
                    self.measurement()
                ),
            };
            out.push_str(&line);
        }
        out
    }

    // ----- numbers, dates and logs ---------------------------------------------------

    fn log_block(&mut self) -> String {
        let lines = self.between(4, 12);
        let mut out = String::new();
        for _ in 0..lines {
            let line = format!(
                "{} {:<5} {}::{}: {} request_id={} latency_ms={}.{:03} tokens={}\n",
                self.timestamp(),
                self.pick(words::LOG_LEVELS),
                self.snake(),
                self.snake(),
                self.clause(),
                self.hex(12),
                self.between(0, 4_000),
                self.between(0, 999),
                self.between(1, 8_192)
            );
            out.push_str(&line);
        }
        out
    }

    fn table(&mut self) -> String {
        let rows = self.between(3, 10);
        let mut out =
            String::from("| date | name | amount | change | measured |\n|---|---|--:|--:|--:|\n");
        for _ in 0..rows {
            let row = format!(
                "| {} | {} | {} | {}{}.{}% | {} |\n",
                self.date_any(),
                self.name(),
                self.money(),
                self.pick(&["+", "-", "−"]),
                self.between(0, 99),
                self.between(0, 9),
                self.measurement()
            );
            out.push_str(&row);
        }
        out
    }

    fn dated_prose(&mut self) -> String {
        let sentences = self.between(2, 5);
        let mut parts = Vec::new();
        for _ in 0..sentences {
            parts.push(format!(
                "On {}, {} {} at {:02}:{:02}, {} {} for {} ({}).",
                self.pick(words::WEEKDAYS),
                self.date_any(),
                self.pick(&["starting", "ending", "exactly", "around"]),
                self.between(0, 23),
                self.between(0, 59),
                self.name(),
                self.pick(words::PAST_VERBS),
                self.money(),
                self.measurement()
            ));
        }
        parts.join(" ")
    }

    fn numbers_block(&mut self) -> String {
        match self.between(0, 2) {
            0 => self.log_block(),
            1 => self.table(),
            _ => self.dated_prose(),
        }
    }

    // ----- the three classes ---------------------------------------------------------

    fn chat_turn(&mut self) -> String {
        let mut turn = if self.chance(CHAT_FOREIGN_PROBABILITY) {
            self.foreign_sentence()
        } else {
            let mut turn = String::new();
            if self.chance(0.6) {
                turn.push_str(self.pick(words::CHAT_OPENERS));
                turn.push(' ');
            }
            match self.between(0, 2) {
                0 => {
                    let request = format!(
                        "{} {} {}?",
                        self.pick(words::CHAT_REQUESTS),
                        self.adjective(),
                        self.noun()
                    );
                    turn.push_str(&request);
                }
                1 => turn.push_str(&self.sentence().to_lowercase()),
                _ => {
                    turn.push_str(&self.sentence());
                    if self.chance(0.4) {
                        turn.push(' ');
                        turn.push_str(&self.sentence());
                    }
                }
            }
            if self.chance(CHAT_CODE_PROBABILITY) {
                let code = format!(" see `{}({})`", self.snake(), self.number());
                turn.push_str(&code);
            }
            turn
        };
        if self.chance(CHAT_EMOJI_PROBABILITY) {
            if self.chance(0.8) {
                turn.push(' ');
                turn.push_str(&self.emoji_run());
            } else {
                turn = format!("{} {turn}", self.emoji_run());
            }
        }
        turn
    }

    fn paragraph(&mut self) -> String {
        match self.between(0, 19) {
            0..=8 => self.prose_paragraph(),
            9..=12 => self.code_block().1,
            13..=15 => self.numbers_block(),
            _ => self.foreign_paragraph(),
        }
    }

    fn document(&mut self) -> String {
        let mut doc = format!(
            "# {} {}: {} {}\n\n{}\n",
            capitalize(&self.adjective()),
            capitalize(&self.noun()),
            self.name(),
            self.date_any(),
            self.prose_paragraph()
        );
        let sections = self.between(8, 24);
        for section in 1..=sections {
            let heading = format!(
                "\n## {section}. {} {}\n\n",
                capitalize(&self.verb_form()),
                self.noun()
            );
            doc.push_str(&heading);
            let body = match self.between(0, 9) {
                0..=3 => self.prose_paragraph(),
                4 | 5 => {
                    let (language, code) = self.code_block();
                    format!("```{language}\n{code}```")
                }
                6 => self.numbers_block(),
                7 => {
                    let items = self.between(3, 7);
                    let lines: Vec<String> = (0..items)
                        .map(|_| format!("- {}", self.sentence()))
                        .collect();
                    lines.join("\n")
                }
                _ => self.foreign_paragraph(),
            };
            doc.push_str(body.trim_end());
            doc.push('\n');
        }
        doc
    }
}

/// `text` with its first character in upper case.
fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The plural of a listed noun, by the regular English rules.
fn plural(noun: &str) -> String {
    if noun.ends_with('s') || noun.ends_with('x') || noun.ends_with("ch") || noun.ends_with("sh") {
        format!("{noun}es")
    } else if let Some(stem) = noun
        .strip_suffix('y')
        .filter(|stem| !stem.ends_with(['a', 'e', 'o', 'u']))
    {
        format!("{stem}ies")
    } else {
        format!("{noun}s")
    }
}

/// `root` + `suffix` with English's two commonest spelling rules: a final
/// "e" drops before a vowel ("encode" + "ing"), and a final consonant-"y"
/// turns into "i" ("happy" + "ness").
fn inflect(root: &str, suffix: &str) -> String {
    let suffix_starts_with_vowel = suffix.starts_with(['a', 'e', 'i', 'o', 'u']);
    if suffix_starts_with_vowel && let Some(stem) = root.strip_suffix('e') {
        return format!("{stem}{suffix}");
    }
    if !suffix.starts_with('i')
        && let Some(stem) = root
            .strip_suffix('y')
            .filter(|stem| !stem.ends_with(['a', 'e', 'o', 'u']))
    {
        return format!("{stem}i{suffix}");
    }
    format!("{root}{suffix}")
}

/// `n` with commas between groups of three digits, as in "1,234,567".
fn with_thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators_group_from_the_right() {
        assert_eq!(with_thousands(7), "7");
        assert_eq!(with_thousands(1_000), "1,000");
        assert_eq!(with_thousands(1_234_567), "1,234,567");
        assert_eq!(with_thousands(123_456), "123,456");
    }

    #[test]
    fn word_forms_follow_the_spelling_rules() {
        assert_eq!(plural("batch"), "batches");
        assert_eq!(plural("library"), "libraries");
        assert_eq!(plural("key"), "keys");
        assert_eq!(plural("model"), "models");
        assert_eq!(inflect("encode", "ing"), "encoding");
        assert_eq!(inflect("encode", "ment"), "encodement");
        assert_eq!(inflect("happy", "ness"), "happiness");
        assert_eq!(inflect("happy", "ing"), "happying");
        assert_eq!(inflect("grey", "ness"), "greyness");
        assert_eq!(inflect("quick", "ly"), "quickly");
    }

    #[test]
    fn capitalize_handles_non_ascii_and_empty_text() {
        assert_eq!(capitalize("über"), "Über");
        assert_eq!(capitalize("ß"), "SS");
        assert_eq!(capitalize(""), "");
    }
}
