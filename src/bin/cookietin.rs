//! `cookietin`: look inside a session's cookies, make some, make a key, and
//! ask what room a browser gives (feature `cli`).
//!
//! ```text
//! cookietin inspect [INPUT] [--name NAME] [--key SECRET]... [--user-agent UA] [--format F] [--host HOST] [--json]
//! cookietin sign [JSON] --key SECRET [--encrypt | --derived] [--name NAME] [--user-agent UA] [--json]
//! cookietin keygen [--bytes N] [--json]
//! cookietin budget --user-agent UA [--other-cookies N/BYTES] [--header-budget BYTES|off] [--json]
//! ```
//!
//! Exit codes: 0 success; 1 the session is rejected (malformed, a chunk
//! missing, a key that does not verify or decrypt, an unknown key id,
//! expired), or `sign` could not fit it; 2 bad usage (arguments, a key
//! too short); 3 the input could not be read, or holds no session cookie.
//! Bad input is a message on stderr, never a panic.

#[path = "../cli/budget.rs"]
mod budget;
#[path = "../cli/mod.rs"]
mod cli;

use std::io::Read;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use clap::{Args, Parser, Subcommand};
use cookietin::{Engine, Key, MasterKey, SaveAction, DEFAULT_HEADER_BUDGET};
use serde_json::{json, Value};

use cli::input::{self, Format};
use cli::report::{self, Verdict};

/// Success.
const OK: u8 = 0;
/// The session is rejected, or does not fit.
const REJECTED: u8 = 1;
/// Bad usage (clap's own code for argument errors too).
const USAGE: u8 = 2;
/// The input could not be read, or holds no session cookie.
const NO_INPUT: u8 = 3;

#[derive(Parser)]
#[command(
    name = "cookietin",
    version,
    about = "Look inside cookietin session cookies, make some, make keys, and see the room a browser gives.",
    after_help = "Exit codes: 0 success; 1 the session is rejected (or sign: it does not fit); \
                  2 bad usage; 3 the input could not be read or holds no session cookie."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show a session's cookies: chunks and sizes against the browser's
    /// limits, the envelope (version, flags, issued-at, age), and the
    /// payload, verified or decrypted with a key, or marked unverified.
    Inspect(InspectArgs),
    /// Make a session's Set-Cookie lines from a JSON object.
    Sign(SignArgs),
    /// Print a new random secret, base64 (for COOKIETIN_SECRET or a key ring).
    Keygen(KeygenArgs),
    /// Print the limits entry for a User-Agent and the room a session has.
    Budget(BudgetArgs),
}

#[derive(Args)]
struct Common {
    /// The base cookie name; chunks are NAME.1, NAME.2, ...
    #[arg(long, default_value = "session")]
    name: String,
    /// Machine-readable JSON output.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct InspectArgs {
    /// A file, or the text itself: a Cookie header, Set-Cookie lines, a
    /// curl cookie jar or a HAR file. Without it, or `-`, standard input.
    input: Option<String>,
    #[command(flatten)]
    common: Common,
    /// A secret to verify or decrypt with, as the server holds it (its
    /// bytes, or base64, or a comma-separated list; every reading is
    /// tried). Repeat for several. Default: COOKIETIN_SECRET, if set.
    #[arg(long = "key", value_name = "SECRET")]
    keys: Vec<String>,
    /// The browser whose limits the chunks are measured against (default:
    /// an unknown client's, the most conservative).
    #[arg(long, value_name = "UA")]
    user_agent: Option<String>,
    /// The input's format (default: detected).
    #[arg(long, value_parser = ["cookie-header", "set-cookie", "curl-jar", "har"])]
    format: Option<String>,
    /// The site whose cookies to read from a curl jar (the lines whose
    /// domain matches it) or a HAR (the entries whose URL has it). Default:
    /// a jar is read whole, a HAR for its first entry's host.
    #[arg(long, value_name = "HOST")]
    host: Option<String>,
    /// The engine's max age, in seconds, to judge expiry by.
    #[arg(long, default_value_t = 7 * 24 * 3600)]
    max_age: u64,
}

#[derive(Args)]
struct SignArgs {
    /// The session as a JSON object: a file, or the text itself. Without
    /// it, or `-`, standard input.
    input: Option<String>,
    #[command(flatten)]
    common: Common,
    /// The secret (its bytes; with a `base64:` prefix, decoded). Default:
    /// COOKIETIN_SECRET.
    #[arg(long, value_name = "SECRET")]
    key: Option<String>,
    /// Encrypt, with the secret as the master secret (as the demo's
    /// --encrypt does).
    #[arg(long, conflicts_with = "derived")]
    encrypt: bool,
    /// Sign with the signing key the secret derives as a master secret
    /// (MasterRing::signing_ring), not with the secret itself.
    #[arg(long)]
    derived: bool,
    /// The browser to fit the cookies to (default: an unknown client).
    #[arg(long, value_name = "UA")]
    user_agent: Option<String>,
    /// Leave out the Secure attribute (for plain-http testing).
    #[arg(long)]
    insecure: bool,
}

#[derive(Args)]
struct KeygenArgs {
    /// How many random bytes (at least 32).
    #[arg(long, default_value_t = 32)]
    bytes: usize,
    /// Machine-readable JSON output.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct BudgetArgs {
    /// The browser's User-Agent.
    #[arg(long, value_name = "UA")]
    user_agent: String,
    /// Other cookies on the request: how many, and their bytes in the
    /// Cookie header (separators included), e.g. 12/1000.
    #[arg(long, value_name = "N/BYTES")]
    other_cookies: Option<String>,
    /// The soft Cookie-header budget, in bytes, or `off`.
    #[arg(long, value_name = "BYTES|off")]
    header_budget: Option<String>,
    #[command(flatten)]
    common: Common,
}

/// A failure with its exit code and message.
struct Failure(u8, String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect(args) => inspect(args),
        Command::Sign(args) => sign(args),
        Command::Keygen(args) => keygen(args),
        Command::Budget(args) => budget(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Failure(code, message)) => {
            eprintln!("cookietin: {message}");
            ExitCode::from(code)
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The input: standard input, a file, or the argument's own text.
fn read_input(arg: Option<&str>) -> Result<String, Failure> {
    let limit = input::MAX_INPUT as u64 + 1;
    let bytes = match arg {
        None | Some("-") => {
            let mut buf = Vec::new();
            std::io::stdin()
                .take(limit)
                .read_to_end(&mut buf)
                .map_err(|e| Failure(NO_INPUT, format!("standard input: {e}")))?;
            buf
        }
        Some(arg) if std::path::Path::new(arg).is_file() => {
            let mut buf = Vec::new();
            std::fs::File::open(arg)
                .and_then(|f| f.take(limit).read_to_end(&mut buf))
                .map_err(|e| Failure(NO_INPUT, format!("{arg}: {e}")))?;
            buf
        }
        Some(text) => text.as_bytes().to_vec(),
    };
    String::from_utf8(bytes).map_err(|e| {
        Failure(
            NO_INPUT,
            format!(
                "the input is not UTF-8 text (byte {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

fn print(json_output: bool, value: &Value, text: impl FnOnce() -> String) {
    if json_output {
        println!(
            "{}",
            serde_json::to_string_pretty(value).expect("JSON values serialize")
        );
    } else {
        println!("{}", text());
    }
}

fn inspect(args: InspectArgs) -> Result<u8, Failure> {
    let text = read_input(args.input.as_deref())?;
    let format = args.format.as_deref().and_then(Format::from_name);
    let now = now();
    let parsed = input::parse(&text, format, args.host.as_deref(), now)
        .map_err(|e| Failure(NO_INPUT, e.to_string()))?;
    let mut secrets: Vec<Vec<u8>> = args.keys.iter().map(|k| k.as_bytes().to_vec()).collect();
    if secrets.is_empty() {
        if let Some(secret) = std::env::var_os("COOKIETIN_SECRET") {
            secrets.push(secret.into_encoded_bytes());
        }
    }
    let options = report::Options {
        name: &args.common.name,
        user_agent: args.user_agent.as_deref(),
        secrets: &secrets,
        now,
        max_age: args.max_age,
        clock_skew: 60,
        max_json: 256 * 1024,
    };
    let (value, verdict) = report::inspect(&parsed, &options);
    print(args.common.json, &value, || report::render(&value));
    Ok(match verdict {
        Verdict::Valid => OK,
        Verdict::Rejected(_) => REJECTED,
        Verdict::NoSession => NO_INPUT,
    })
}

/// The secret's bytes: the text's, or after `base64:`, decoded.
fn secret_bytes(text: &str) -> Result<Vec<u8>, Failure> {
    match text.strip_prefix("base64:") {
        Some(b64) => STANDARD
            .decode(b64.trim())
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(b64.trim()))
            .map_err(|_| Failure(USAGE, "the key after base64: is not base64".to_owned())),
        None => Ok(text.as_bytes().to_vec()),
    }
}

fn sign(args: SignArgs) -> Result<u8, Failure> {
    let key_text = match args.key.clone() {
        Some(k) => k,
        None => std::env::var("COOKIETIN_SECRET").map_err(|_| {
            Failure(
                USAGE,
                "sign needs a key: --key SECRET or COOKIETIN_SECRET".to_owned(),
            )
        })?,
    };
    let secret = secret_bytes(&key_text)?;
    let bad_key = |e: cookietin::ConfigError| Failure(USAGE, format!("the key: {e}"));
    let name = args.common.name.clone();
    let builder = if args.encrypt {
        let master = MasterKey::try_from_bytes(&secret).map_err(bad_key)?;
        Engine::encrypted(master)
    } else if args.derived {
        let master = MasterKey::try_from_bytes(&secret).map_err(bad_key)?;
        Engine::builder(master.signing_key(&name))
    } else {
        Engine::builder(Key::try_from_bytes(&secret).map_err(bad_key)?)
    };
    let engine = builder
        .cookie_name(&name)
        .secure(!args.insecure)
        .build()
        .map_err(|e| Failure(USAGE, e.to_string()))?;
    let text = read_input(args.input.as_deref())?;
    let data: Value = serde_json::from_str(&text)
        .map_err(|e| Failure(NO_INPUT, format!("the session is not JSON: {e}")))?;
    let Value::Object(map) = data else {
        return Err(Failure(
            NO_INPUT,
            "the session must be a JSON object".to_owned(),
        ));
    };
    let mut session = engine.load(Vec::<&str>::new(), args.user_agent.as_deref());
    for (k, v) in &map {
        session
            .insert(k, v)
            .map_err(|e| Failure(NO_INPUT, e.to_string()))?;
    }
    let saved = engine
        .save(&mut session)
        .map_err(|e| Failure(REJECTED, e.to_string()))?;
    let cookie_header = saved
        .set_cookies
        .iter()
        .filter_map(|l| l.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");
    let dropped: Vec<&str> = saved.report.shrink.dropped_keys().collect();
    let value = json!({
        "set_cookies": saved.set_cookies,
        "cookie_header": cookie_header,
        "encrypted": engine.is_encrypted(),
        "report": saved.report,
    });
    print(args.common.json, &value, || {
        saved
            .set_cookies
            .iter()
            .map(|l| format!("Set-Cookie: {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    });
    if !dropped.is_empty() && !args.common.json {
        eprintln!(
            "cookietin: dropped to fit this browser: {}",
            dropped.join(", ")
        );
    }
    Ok(match saved.report.action {
        SaveAction::Written => OK,
        _ => REJECTED,
    })
}

fn keygen(args: KeygenArgs) -> Result<u8, Failure> {
    if args.bytes < MasterKey::MIN_LEN || args.bytes > 1024 {
        return Err(Failure(
            USAGE,
            format!(
                "--bytes {}: between {} and 1024",
                args.bytes,
                MasterKey::MIN_LEN
            ),
        ));
    }
    let mut bytes = vec![0u8; args.bytes];
    getrandom::fill(&mut bytes)
        .map_err(|e| Failure(REJECTED, format!("no random bytes from the system: {e}")))?;
    let secret = STANDARD.encode(&bytes);
    let master = MasterKey::from_base64(&secret).expect("at least 32 bytes of base64");
    let value = json!({
        "secret": secret,
        "bytes": args.bytes,
        "key_id": master.key_id().to_string(),
    });
    print(args.json, &value, || secret.clone());
    Ok(OK)
}

fn budget(args: BudgetArgs) -> Result<u8, Failure> {
    let (count, bytes) = match args.other_cookies.as_deref() {
        None => (0, 0),
        Some(spec) => {
            let parse = |s: &str| s.trim().parse::<usize>().ok();
            let parsed = match spec.split_once('/') {
                Some((n, b)) => parse(n).zip(parse(b)),
                None => parse(spec).map(|n| (n, 0)),
            };
            parsed.ok_or_else(|| {
                Failure(
                    USAGE,
                    format!("--other-cookies {spec:?}: expected N/BYTES, e.g. 12/1000"),
                )
            })?
        }
    };
    let header = budget::other_cookies(count, bytes).map_err(|e| Failure(USAGE, e))?;
    let header_budget = match args.header_budget.as_deref() {
        None => Some(DEFAULT_HEADER_BUDGET),
        Some("off") => None,
        Some(n) => Some(n.parse().map_err(|_| {
            Failure(
                USAGE,
                format!("--header-budget {n:?}: a number of bytes, or off"),
            )
        })?),
    };
    let engine = Engine::builder(Key::try_from_bytes(&[0; 32]).expect("32 bytes"))
        .cookie_name(&args.common.name)
        .header_budget(header_budget)
        .build()
        .map_err(|e| Failure(USAGE, e.to_string()))?;
    let session = engine.load([header.as_str()], Some(&args.user_agent));
    let budget = engine.budget(&session);
    let browser = session.browser().expect("a User-Agent was given");
    // JSON a capacity holds, uncompressed: 3 bytes per 4 characters, less
    // the envelope (22 bytes signed, 36 encrypted).
    let raw = budget.capacity * 3 / 4;
    let value = json!({
        "user_agent": args.user_agent,
        "browser": browser.identity,
        "limits": browser.limits,
        "other_cookies": {"count": count, "bytes": bytes},
        "budget": budget,
        "json_bytes_uncompressed": {
            "signed": raw.saturating_sub(22),
            "encrypted": raw.saturating_sub(36),
        },
    });
    print(args.common.json, &value, || {
        let l = &browser.limits;
        let counts = match l.counts {
            cookietin::Counted::NameValue => "name and value",
            cookietin::Counted::Line => "the whole Set-Cookie line",
        };
        [
            format!(
                "browser: {} {} on {} (entry {}: {} bytes of {counts} per cookie, {} cookies per site, purged to {})",
                browser.identity.name,
                browser.identity.version.as_deref().unwrap_or(""),
                browser.identity.os,
                l.id,
                l.max_cookie_bytes,
                l.max_cookies_per_site,
                l.purge_to
            ),
            format!("source: {}", l.source),
            format!("other cookies: {count} taking {bytes} bytes of the Cookie header"),
            format!(
                "room for the session: {} characters of value in up to {} cookie(s); binding: {}",
                budget.capacity,
                budget.cookies,
                budget::binding_name(budget.binding)
            ),
            format!(
                "Cookie header left: {}",
                budget
                    .header_bytes
                    .map_or("no server limit".to_owned(), |b| format!("{b} bytes"))
            ),
            match (l.max_cookie_header_bytes, budget.client_header_bytes) {
                (Some(cap), Some(left)) => format!(
                    "the client sends {cap} bytes of Cookie header whole, at most: {left} left"
                ),
                _ => "the client sends a Cookie header of any length".to_owned(),
            },
            format!(
                "that is about {} bytes of uncompressed JSON signed, {} encrypted",
                raw.saturating_sub(22),
                raw.saturating_sub(36)
            ),
        ]
        .join("\n")
    });
    Ok(OK)
}
