//! Embedded word lists and fragments the corpus generator draws from.
//!
//! The lists are part of the corpus definition: editing any of them changes
//! the generated text and therefore the trained tokenizer, so the committed
//! `data/tokenizer.json` must be re-trained in the same change (the tests
//! catch a forgotten re-train). Every list must stay non-empty.
//!
//! The long lists are kept out of rustfmt's reach: it would put every word
//! on a line of its own.

/// Common English nouns, everyday and technical, so that prose looks like
/// the mixed documentation, mail and chat an inference service sees.
#[rustfmt::skip]
pub const NOUNS: &[&str] = &[
    "model", "tokenizer", "request", "batch", "server", "kernel", "tensor", "gradient", "dataset",
    "cluster", "engineer", "team", "report", "city", "river", "garden", "library", "market",
    "teacher", "student", "window", "kitchen", "morning", "evening", "weekend", "project", "budget",
    "meeting", "customer", "price", "question", "answer", "problem", "system", "network", "memory",
    "cache", "queue", "thread", "process", "benchmark", "result", "paper", "review", "schedule",
    "deadline", "release", "version", "feature", "bug", "patch", "test", "pipeline", "service",
    "database", "index", "query", "latency", "throughput", "sequence", "vocabulary", "language",
    "sentence", "word", "document", "page", "chapter", "story", "history", "country", "village",
    "mountain", "forest", "ocean", "island", "bridge", "station", "train", "airport", "ticket",
    "hotel", "restaurant", "recipe", "coffee", "bread", "cheese", "apple", "orange", "weather",
    "storm", "summer", "winter", "holiday", "family", "friend", "neighbour", "doctor", "hospital",
    "school", "university", "lecture", "exam", "office", "manager", "contract", "invoice",
    "payment", "account", "password", "device", "phone", "laptop", "screen", "keyboard", "battery",
    "charger", "camera", "photo", "video", "song", "concert", "movie", "museum", "painting",
    "artist", "harvest", "engine", "vehicle", "bicycle", "road", "traffic", "signal", "accelerator",
    "checkpoint", "embedding", "attention", "layer", "weight", "activation", "optimizer",
    "scheduler", "allocator", "compiler", "runtime", "interpreter", "function", "variable",
    "parameter", "argument", "module", "package", "crate", "dependency", "repository", "branch",
    "commit", "merge", "conflict", "issue", "sprint", "roadmap", "milestone", "answerer", "archive",
    "assistant", "audience", "author", "balance", "basket", "beach", "bottle", "boundary", "candle",
    "canvas", "capital", "carpet", "castle", "ceiling", "channel", "circuit", "climate", "collar",
    "column", "comment", "committee", "compass", "corridor", "costume", "cottage", "courage",
    "cushion", "dialogue", "diamond", "dinner", "distance", "drawer", "election", "element",
    "emperor", "envelope", "estimate", "factory", "fashion", "festival", "figure", "finger",
    "flavour", "fountain", "fragment", "frontier", "furniture", "galaxy", "gallery", "gateway",
    "glacier", "harbour", "helmet", "horizon", "instrument", "journal", "journey", "judgement",
    "jungle", "kettle", "ladder", "landscape", "lantern", "leather", "lemon", "lesson", "letter",
    "license", "lighthouse", "machine", "magnet", "margin", "marriage", "meadow", "message",
    "mirror", "monster", "monument", "motor", "mystery", "needle", "notebook", "number",
    "orchestra", "palace", "parcel", "passenger", "pattern", "pencil", "pepper", "picture",
    "pillow", "planet", "platform", "pocket", "poetry", "portrait", "potato", "powder", "prisoner",
    "promise", "puzzle", "quarter", "rabbit", "receipt", "record", "reward", "rhythm", "ribbon",
    "rocket", "saddle", "sailor", "sandwich", "satellite", "scholar", "science", "sculpture",
    "season", "shadow", "shelter", "shoulder", "silence", "soldier", "spectrum", "spider", "spirit",
    "stadium", "statue", "stomach", "strategy", "stranger", "surface", "symbol", "symphony",
    "tablet", "temple", "territory", "theory", "thunder", "tomato", "tongue", "tower", "trumpet",
    "tunnel", "umbrella", "uniform", "universe", "valley", "vessel", "victory", "violin", "volcano",
    "voyage", "wagon", "wallet", "warrior", "whistle", "wizard", "workshop", "yard", "zebra",
    "compressor", "profiler", "sampler", "decoder", "encoder", "transformer", "quantizer", "router",
    "replica", "partition", "snapshot", "manifest", "registry", "container", "namespace",
    "endpoint", "payload",
];

/// Verbs in the third person singular, to follow a singular subject.
#[rustfmt::skip]
pub const VERBS: &[&str] = &[
    "reads", "writes", "builds", "tests", "loads", "stores", "sends", "receives", "parses",
    "encodes", "decodes", "splits", "merges", "sorts", "filters", "counts", "measures", "reports",
    "explains", "describes", "improves", "reduces", "increases", "doubles", "halves", "replaces",
    "updates", "deletes", "creates", "opens", "closes", "starts", "stops", "finishes", "follows",
    "leads", "visits", "crosses", "reaches", "leaves", "finds", "loses", "keeps", "breaks", "fixes",
    "needs", "wants", "likes", "prefers", "expects", "remembers", "forgets", "suggests",
    "recommends", "compares", "predicts", "generates", "serves", "schedules", "allocates",
    "releases", "caches", "streams", "batches", "shards", "replicates", "compiles", "optimizes",
    "accepts", "adjusts", "answers", "arranges", "attaches", "borrows", "calculates", "carries",
    "celebrates", "challenges", "collects", "combines", "connects", "considers", "converts",
    "covers", "declares", "defends", "delivers", "designs", "detects", "discovers", "divides",
    "downloads", "emulates", "enables", "enforces", "estimates", "evaluates", "examines", "exports",
    "extends", "flattens", "gathers", "guards", "handles", "ignores", "imports", "inspects",
    "installs", "invites", "launches", "limits", "manages", "migrates", "monitors", "normalizes",
    "observes", "organizes", "packs", "paints", "partitions", "performs", "plans", "polishes",
    "prepares", "presents", "prevents", "produces", "protects", "publishes", "recovers",
    "refreshes", "rejects", "renders", "repairs", "resolves", "restores", "returns", "rotates",
    "samples", "scans", "searches", "selects", "signs", "simplifies", "submits", "supports",
    "tracks", "transforms", "translates", "uploads", "validates", "verifies", "wraps",
];

/// Verbs in the simple past, for narrative sentences.
#[rustfmt::skip]
pub const PAST_VERBS: &[&str] = &[
    "read", "wrote", "built", "tested", "loaded", "stored", "sent", "received", "parsed", "encoded",
    "decoded", "split", "merged", "sorted", "filtered", "counted", "measured", "reported",
    "explained", "described", "improved", "reduced", "increased", "replaced", "updated", "deleted",
    "created", "opened", "closed", "started", "stopped", "finished", "followed", "visited",
    "crossed", "reached", "left", "found", "lost", "kept", "broke", "fixed", "needed", "wanted",
    "liked", "expected", "remembered", "forgot", "suggested", "compared", "predicted", "generated",
    "served", "scheduled", "shipped", "painted", "cooked", "planted", "accepted", "adjusted",
    "answered", "arranged", "attached", "borrowed", "calculated", "carried", "collected",
    "combined", "connected", "considered", "converted", "covered", "delivered", "designed",
    "detected", "discovered", "divided", "downloaded", "enabled", "estimated", "evaluated",
    "examined", "exported", "extended", "gathered", "handled", "ignored", "imported", "inspected",
    "installed", "invited", "launched", "managed", "migrated", "monitored", "observed", "organized",
    "packed", "performed", "planned", "prepared", "presented", "prevented", "produced", "protected",
    "published", "recovered", "rejected", "rendered", "repaired", "resolved", "restored",
    "returned", "sampled", "scanned", "searched", "selected", "signed", "submitted", "supported",
    "tracked", "translated", "uploaded", "validated", "verified", "wrapped",
];

/// Adjectives, a mix of everyday and technical ones.
#[rustfmt::skip]
pub const ADJECTIVES: &[&str] = &[
    "new", "old", "small", "large", "quick", "slow", "quiet", "busy", "bright", "dark", "warm",
    "cold", "simple", "complex", "stable", "fragile", "careful", "careless", "expensive", "cheap",
    "modern", "ancient", "local", "remote", "public", "private", "empty", "full", "noisy", "clean",
    "broken", "correct", "wrong", "final", "initial", "parallel", "sequential", "distributed",
    "concurrent", "deterministic", "random", "sparse", "dense", "shallow", "deep", "narrow", "wide",
    "green", "blue", "red", "yellow", "golden", "silver", "wooden", "famous", "unknown", "honest",
    "curious", "patient", "tired", "happy", "nervous", "proud", "strange", "typical", "rare",
    "common", "efficient", "redundant", "optional", "mandatory", "quantized", "pretrained",
    "multilingual", "lightweight", "heavyweight", "experimental", "production", "abstract",
    "accurate", "active", "actual", "adaptive", "aggressive", "ambitious", "anxious", "automatic",
    "awkward", "bitter", "bold", "brave", "brilliant", "calm", "capable", "casual", "cheerful",
    "clever", "cloudy", "compact", "conscious", "constant", "crisp", "crowded", "cruel", "delicate",
    "dirty", "distant", "dynamic", "eager", "elegant", "enormous", "exact", "exotic", "faint",
    "fancy", "fierce", "flexible", "fluent", "fond", "formal", "fresh", "friendly", "frozen",
    "generous", "gentle", "gigantic", "graceful", "greedy", "handsome", "harmless", "hollow",
    "humble", "hungry", "immense", "innocent", "intense", "jealous", "juicy", "lazy", "lively",
    "lonely", "loyal", "magnetic", "massive", "mature", "mighty", "minimal", "misty", "native",
    "neat", "nimble", "obscure", "orderly", "portable", "precise", "pure", "radiant", "rapid",
    "reckless", "robust", "rough", "rustic", "scalable", "secure", "serene", "sharp", "shiny",
    "silent", "sleepy", "smooth", "solid", "steady", "sticky", "stormy", "subtle", "swift",
    "tender", "thirsty", "tidy", "transparent", "vast", "vivid", "wild", "wise", "witty",
];

/// Adverbs that can precede a verb.
#[rustfmt::skip]
pub const ADVERBS: &[&str] = &[
    "quickly", "slowly", "carefully", "rarely", "often", "always", "never", "usually", "sometimes",
    "finally", "suddenly", "quietly", "easily", "barely", "mostly", "probably", "certainly",
    "already", "still", "silently", "reliably", "eventually", "immediately",
];

/// Derivational prefixes. Prefixed and suffixed forms of the roots above
/// give the corpus a vocabulary with English's long tail of word forms
/// (the bare lists alone hold about a thousand words, far too few for BPE
/// to learn a production-sized vocabulary from).
#[rustfmt::skip]
pub const PREFIXES: &[&str] = &[
    "un", "re", "pre", "over", "under", "multi", "non", "sub", "inter", "co", "de", "mis", "out",
    "auto", "micro", "hyper", "semi", "anti", "post", "super",
];

/// Suffixes that turn a noun into another noun or an adjective.
pub const NOUN_SUFFIXES: &[&str] = &["less", "ful", "like", "wise", "hood", "ship", "ish", "al"];

/// Suffixes applied to a verb's stem.
pub const VERB_SUFFIXES: &[&str] = &["ing", "ed", "er", "ers", "able", "ment", "ion", "ive"];

/// Suffixes applied to an adjective.
pub const ADJECTIVE_SUFFIXES: &[&str] = &["ly", "ness", "er", "est", "ity"];

/// Prepositions that start a trailing phrase.
#[rustfmt::skip]
pub const PREPOSITIONS: &[&str] = &[
    "in", "on", "at", "near", "behind", "under", "over", "across", "through", "after", "before",
    "during", "without", "with", "for", "from", "into", "beside", "between", "around",
];

/// Phrases that open a sentence.
#[rustfmt::skip]
pub const OPENERS: &[&str] = &[
    "However,", "Meanwhile,", "In practice,", "As expected,", "Surprisingly,", "Last year,",
    "According to the report,", "In the end,", "For example,", "On Monday,", "By contrast,",
    "After the meeting,", "Unfortunately,", "In short,", "Once again,", "At first,",
];

/// Conjunctions that join two clauses.
#[rustfmt::skip]
pub const CONJUNCTIONS: &[&str] = &[
    "and", "but", "because", "while", "although", "so", "until", "since", "whereas", "unless",
];

/// Syllables proper nouns are built from. Generated names give the corpus
/// the long tail of rare words (people, places, products) real text has,
/// which a fixed word list alone would not.
#[rustfmt::skip]
pub const NAME_SYLLABLES: &[&str] = &[
    "ka", "ro", "lin", "mar", "ta", "vel", "dor", "an", "ei", "sa", "mo", "rin", "tha", "gar",
    "el", "li", "na", "bru", "ko", "sten", "ber", "wick", "ham", "ton", "ville", "ford", "ia",
    "os", "us", "ra", "mi", "zu", "ken", "yo", "shi", "pa", "lo", "ma", "ne", "qui", "xa", "or",
    "eth", "wyn", "dra", "fel", "gri", "hol", "jun", "lu",
];

/// Parts of identifiers in the generated source code.
#[rustfmt::skip]
pub const IDENT_PARTS: &[&str] = &[
    "token", "batch", "encode", "decode", "vocab", "merge", "rank", "cache", "buffer", "offset",
    "len", "size", "count", "index", "idx", "max", "min", "input", "output", "config", "state",
    "request", "response", "handle", "worker", "pool", "queue", "item", "node", "edge", "graph",
    "tensor", "shape", "dim", "stride", "weight", "bias", "grad", "loss", "step", "epoch", "lr",
    "seq", "mask", "pad", "attn", "head", "layer", "block", "kv", "user", "session", "text",
    "line", "path", "file", "reader", "writer", "parse", "build", "load", "save", "init", "run",
    "get", "set", "is", "has", "to", "from", "new", "total", "num", "ids", "map", "key", "value",
];

/// Type names used in generated Rust signatures.
#[rustfmt::skip]
pub const RUST_TYPES: &[&str] = &[
    "u8", "u16", "u32", "u64", "usize", "i32", "i64", "f32", "f64", "bool", "String", "&str",
    "Vec<u32>", "Vec<f32>", "&[u8]", "Option<usize>", "HashMap<String, u32>", "Arc<Mutex<State>>",
    "Box<dyn Error>", "PathBuf", "Duration",
];

/// Keywords and short statements that appear in Python bodies.
#[rustfmt::skip]
pub const PYTHON_BUILTINS: &[&str] = &[
    "len", "range", "enumerate", "zip", "sorted", "sum", "max", "min", "print", "isinstance",
    "list", "dict", "set", "tuple", "open", "any", "all", "map", "filter",
];

/// SQL table names.
#[rustfmt::skip]
pub const SQL_TABLES: &[&str] = &[
    "users", "orders", "requests", "events", "tokens", "sessions", "invoices", "metrics",
    "experiments", "runs",
];

/// Log levels, weighted towards the common ones by repetition.
pub const LOG_LEVELS: &[&str] = &["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR", "TRACE"];

/// Month names for spelled-out dates.
#[rustfmt::skip]
pub const MONTHS: &[&str] = &[
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
];

/// Short month names for log and table dates.
#[rustfmt::skip]
pub const MONTHS_SHORT: &[&str] = &[
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Weekday names.
#[rustfmt::skip]
pub const WEEKDAYS: &[&str] = &[
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
];

/// Currency symbols and codes, ASCII and not.
pub const CURRENCIES: &[&str] = &["$", "€", "£", "¥", "₹", "CHF ", "USD ", "EUR "];

/// Units that follow measured numbers.
#[rustfmt::skip]
pub const UNITS: &[&str] = &[
    "ms", "µs", "ns", "s", "KiB", "MiB", "GiB", "%", "°C", "km", "kg", "tokens/s", "req/s", "GB/s",
];

/// Openers of chat messages.
#[rustfmt::skip]
pub const CHAT_OPENERS: &[&str] = &[
    "hey", "hi", "ok", "thanks!", "so", "quick question:", "hmm", "yes", "no", "sure,", "wait,",
    "lol", "great,", "sorry,", "btw", "ah", "hello!", "fyi", "np,", "cool,",
];

/// Questions and requests a chat user types, completed with generated words.
#[rustfmt::skip]
pub const CHAT_REQUESTS: &[&str] = &[
    "can you summarize the", "how do I fix the", "what is wrong with the", "please check the",
    "could you rewrite the", "why is the", "is it ok to delete the", "where can I find the",
    "any idea how to speed up the", "did you see the", "I think we should move the",
    "let's ship the", "who owns the", "when is the",
];

/// Emoji, including multi-code-point ones: skin-tone modifiers, zero-width
/// joiner sequences, variation selectors, flags and a keycap, because those
/// are where byte-level tokenization and decoding usually break.
#[rustfmt::skip]
pub const EMOJI: &[&str] = &[
    "😀", "😂", "🙂", "😉", "😍", "🤔", "😅", "😭", "🙏", "👍", "👍🏽", "👋🏻", "🎉", "🔥", "🚀", "✅", "❌", "⚠️",
    "❤️", "💡", "📈", "📉", "🤖", "🧠", "🐛", "☕", "🍕", "🌍", "🇩🇪", "🇯🇵", "🇧🇷", "👩‍💻", "👨‍👩‍👧", "🏳️‍🌈",
    "1️⃣", "✨", "🙌", "💯", "😬", "🥲",
];

/// A language with words that separate by spaces.
#[derive(Debug, Clone, Copy)]
pub struct SpacedLanguage {
    pub name: &'static str,
    pub words: &'static [&'static str],
    /// Sentence-final punctuation marks of the language.
    pub terminators: &'static [&'static str],
}

/// A language written without spaces between words.
#[derive(Debug, Clone, Copy)]
pub struct UnspacedLanguage {
    pub name: &'static str,
    pub words: &'static [&'static str],
    /// The language's comma, which separates clauses instead of spaces.
    pub comma: &'static str,
    /// Sentence-final punctuation marks of the language.
    pub terminators: &'static [&'static str],
}

/// Space-separated languages in several scripts: Latin with diacritics,
/// Cyrillic, Greek, Arabic, Devanagari, Hangul, and Vietnamese's stacked
/// marks.
#[rustfmt::skip]
pub const SPACED_LANGUAGES: &[SpacedLanguage] = &[
    SpacedLanguage {
        name: "German",
        words: &[
            "der", "die", "das", "und", "ist", "nicht", "über", "für", "mit", "Größe", "Straße",
            "Mädchen", "schön", "müssen", "Übersetzung", "Wörterbuch", "zurück", "Brücke",
            "Frühstück", "ändern", "Schlüssel", "heißt", "Grüße", "Käse", "Bäckerei", "gemütlich",
            "Datenbank", "Rechenzentrum", "schnell", "langsam", "morgen", "gestern", "Zug",
            "Bahnhof", "Verspätung", "Modell", "Ergebnis", "Anfrage", "Stapel", "Speicher",
        ],
        terminators: &[".", "!", "?"],
    },
    SpacedLanguage {
        name: "French",
        words: &[
            "le", "la", "les", "et", "est", "très", "été", "déjà", "où", "ça", "garçon", "français",
            "hôpital", "château", "fenêtre", "élève", "préféré", "naïf", "cœur", "œuvre", "à",
            "après", "bientôt", "forêt", "île", "requête", "mémoire", "résultat", "modèle",
            "données", "vitesse", "lentement", "demain", "hier", "gare", "billet", "fromage",
        ],
        terminators: &[".", " !", " ?"],
    },
    SpacedLanguage {
        name: "Spanish",
        words: &[
            "el", "la", "los", "y", "es", "muy", "año", "niño", "mañana", "señor", "pequeño",
            "canción", "corazón", "también", "aquí", "allí", "está", "más", "después", "árbol",
            "lápiz", "jamón", "piña", "español", "vía", "petición", "memoria", "resultado",
            "modelo", "datos", "rápido", "lento", "estación", "billete", "queso",
        ],
        terminators: &[".", "!", "?"],
    },
    SpacedLanguage {
        name: "Russian",
        words: &[
            "и", "в", "не", "на", "что", "это", "как", "привет", "спасибо", "пожалуйста", "модель",
            "запрос", "данные", "память", "результат", "быстро", "медленно", "сегодня", "завтра",
            "вчера", "город", "река", "дом", "работа", "время", "вопрос", "ответ", "язык", "слово",
            "книга", "поезд", "вокзал", "билет", "сыр", "хлеб",
        ],
        terminators: &[".", "!", "?"],
    },
    SpacedLanguage {
        name: "Greek",
        words: &[
            "και", "το", "η", "ο", "είναι", "δεν", "για", "με", "καλημέρα", "ευχαριστώ", "μοντέλο",
            "αίτημα", "δεδομένα", "μνήμη", "αποτέλεσμα", "γρήγορα", "αργά", "σήμερα", "αύριο",
            "πόλη", "θάλασσα", "σπίτι", "δουλειά", "χρόνος", "ερώτηση", "απάντηση", "γλώσσα",
            "λέξη", "βιβλίο",
        ],
        terminators: &[".", "!", ";"],
    },
    SpacedLanguage {
        name: "Arabic",
        words: &[
            "في", "من", "على", "إلى", "هذا", "مرحبا", "شكرا", "نموذج", "طلب", "بيانات", "ذاكرة",
            "نتيجة", "بسرعة", "ببطء", "اليوم", "غدا", "مدينة", "نهر", "بيت", "عمل", "وقت", "سؤال",
            "جواب", "لغة", "كلمة", "كتاب", "قطار", "محطة",
        ],
        terminators: &[".", "!", "؟"],
    },
    SpacedLanguage {
        name: "Hindi",
        words: &[
            "और", "में", "है", "नहीं", "यह", "नमस्ते", "धन्यवाद", "मॉडल", "अनुरोध", "डेटा",
            "स्मृति", "परिणाम", "जल्दी", "धीरे", "आज", "कल", "शहर", "नदी", "घर", "काम", "समय",
            "प्रश्न", "उत्तर", "भाषा", "शब्द", "किताब", "रेलगाड़ी", "स्टेशन",
        ],
        terminators: &["।", "!", "?"],
    },
    SpacedLanguage {
        name: "Vietnamese",
        words: &[
            "và", "của", "là", "không", "có", "một", "những", "xin", "chào", "cảm", "ơn", "mô",
            "hình", "yêu", "cầu", "dữ", "liệu", "bộ", "nhớ", "kết", "quả", "nhanh", "chậm", "hôm",
            "nay", "ngày", "mai", "thành", "phố", "sông", "nhà", "việc", "thời", "gian", "tiếng",
            "Việt", "người", "được", "đường",
        ],
        terminators: &[".", "!", "?"],
    },
    SpacedLanguage {
        name: "Korean",
        words: &[
            "안녕하세요", "감사합니다", "모델", "요청", "데이터", "메모리", "결과", "빠르게", "천천히", "오늘", "내일", "도시", "강",
            "집", "일", "시간", "질문", "대답", "언어", "단어", "책", "기차", "역", "서버", "토큰", "는", "은", "이", "가",
            "를", "에서",
        ],
        terminators: &[".", "!", "?"],
    },
];

/// Languages written without spaces between words: Chinese, and Japanese
/// (kanji and kana). The byte-level pre-tokenizer sees a whole clause of
/// them as one word, which is the case that stresses BPE merging most.
#[rustfmt::skip]
pub const UNSPACED_LANGUAGES: &[UnspacedLanguage] = &[
    UnspacedLanguage {
        name: "Chinese",
        words: &[
            "我们", "你好", "谢谢", "模型", "请求", "数据", "内存", "结果", "快速", "慢慢", "今天", "明天", "城市", "河流",
            "房子", "工作", "时间", "问题", "答案", "语言", "单词", "书", "火车", "车站", "服务器", "批处理", "分词器", "吞吐量",
            "延迟", "的", "是", "在", "了", "和", "有", "不", "这个", "那个", "已经", "可以", "需要",
        ],
        comma: "，",
        terminators: &["。", "！", "？"],
    },
    UnspacedLanguage {
        name: "Japanese",
        words: &[
            "私", "は", "が", "を", "に", "で", "と", "の", "です", "ます", "ありがとう", "こんにちは", "モデル", "リクエスト",
            "データ", "メモリ", "結果", "速い", "遅い", "今日", "明日", "東京", "川", "家", "仕事", "時間", "質問", "答え",
            "言葉", "本", "電車", "駅", "サーバー", "トークン", "ラーメン", "すし", "しかし", "とても",
        ],
        comma: "、",
        terminators: &["。", "！", "？"],
    },
];
