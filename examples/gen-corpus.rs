//! Writes a deterministic corpus of valid postmortems, for benchmarks and scale tests.
//!
//! ```sh
//! cargo run --release --example gen-corpus -- --postmortems 1000 --tasks-per 10 --out DIR
//! ```
//!
//! writes `DIR/aftercare.yml` and `DIR/postmortems/*.yaml`, so that `aftercare check` (or
//! `sync`, `status`) run in `DIR` reads them. The same arguments always give byte-identical
//! files: the text comes from a seeded generator (`--seed`, with a fixed default), and
//! postmortem number `i` depends only on the seed, `i` and `--tasks-per`, so a small corpus is
//! the beginning of a larger one. Tasks average exactly `--tasks-per` per postmortem: pairs of
//! neighbours trade tasks (one has `k` more, the other `k` fewer), and the total is always
//! postmortems × tasks-per.
//!
//! The postmortems vary the way real ones do (see `postmortems/` and the format in README.md):
//! optional fields present or not; times as date-times, dates or times of day; timelines of 3
//! to 16 entries in order, some without a time; one to five measures, most with a description;
//! tasks with and without an owner, priority, due date, type, labels and `measure` reference;
//! one-line and multi-line text. Every owner is one of [`OWNERS`], so a test can make them all
//! collaborators of the emulator's repository. It refuses to write into a `postmortems`
//! directory that already holds files, so a corpus is never mixed with another.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use clap::Parser;

/// The seed used unless `--seed` says otherwise.
pub const DEFAULT_SEED: u64 = 20_230_510;

/// The logins tasks are assigned to.
pub const OWNERS: [&str; 8] = [
    "octocat",
    "hubot",
    "mona",
    "ada-l",
    "grace-h",
    "linus-t",
    "margaret-h",
    "ken-t",
];

/// The configuration written beside the postmortems.
pub const CONFIG: &str = "labels: [postmortem]\n";

/// The command line.
#[derive(Debug, Parser)]
#[command(about = "Writes a deterministic corpus of valid postmortems")]
pub struct Args {
    /// How many postmortems to write.
    #[arg(long)]
    pub postmortems: usize,
    /// Tasks per postmortem, on average (the total is exact).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1_000))]
    pub tasks_per: u64,
    /// The seed of the generator.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// The directory to write `aftercare.yml` and `postmortems/` into.
    #[arg(long)]
    pub out: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let written = args.corpus().write(&args.out)?;
    println!(
        "wrote {} postmortems with {} tasks ({} bytes) to {}",
        written.files,
        written.tasks,
        written.bytes,
        args.out.join("postmortems").display()
    );
    Ok(())
}

impl Args {
    /// The corpus the command line asks for.
    pub fn corpus(&self) -> Corpus {
        Corpus {
            postmortems: self.postmortems,
            tasks_per: self.tasks_per as usize,
            seed: self.seed,
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corpus {
    pub postmortems: usize,
    /// Tasks per postmortem on average, at least 1.
    pub tasks_per: usize,
    pub seed: u64,
}

/// One generated postmortem file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// The file name inside `postmortems/`.
    pub name: String,
    pub text: String,
    pub tasks: usize,
}

/// What [`Corpus::write`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub files: usize,
    pub tasks: usize,
    pub bytes: usize,
}

impl Corpus {
    /// Every postmortem file, in order.
    pub fn files(&self) -> Vec<GeneratedFile> {
        let mut ids = HashSet::new();
        (0..self.postmortems)
            .map(|i| postmortem(self, i, &mut ids))
            .collect()
    }

    /// Writes `aftercare.yml`, `postmortem.schema.json` and `postmortems/` into `out`.
    pub fn write(&self, out: &Path) -> anyhow::Result<Written> {
        let dir = out.join("postmortems");
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let occupied = std::fs::read_dir(&dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_some();
        if occupied {
            bail!(
                "{} already holds files: give an empty directory",
                dir.display()
            );
        }
        std::fs::write(out.join("aftercare.yml"), CONFIG).context("cannot write aftercare.yml")?;
        // The schema the files' first lines point at, so that `check` has nothing to warn of.
        std::fs::write(
            out.join(aftercare::schema::FILE_NAME),
            aftercare::schema::postmortem_schema_json(),
        )
        .context("cannot write the schema")?;
        let mut written = Written {
            files: 0,
            tasks: 0,
            bytes: 0,
        };
        for file in self.files() {
            let path = dir.join(&file.name);
            std::fs::write(&path, &file.text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            written.files += 1;
            written.tasks += file.tasks;
            written.bytes += file.text.len();
        }
        Ok(written)
    }
}

/// SplitMix64: small, fast and the same on every platform.
struct Rng(u64);

impl Rng {
    /// The generator of one item (`stream`) of the corpus with `seed`.
    fn new(seed: u64, stream: u64) -> Rng {
        let mut rng = Rng(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        rng.next();
        rng
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.between(0, items.len() - 1)]
    }
}

const SERVICES: [&str; 14] = [
    "checkout",
    "payments",
    "search",
    "accounts",
    "notifications",
    "inventory",
    "media-upload",
    "billing",
    "recommendations",
    "api-gateway",
    "reporting",
    "mobile-backend",
    "identity",
    "shipping",
];

const COMPONENTS: [&str; 16] = [
    "primary database",
    "read replica",
    "database connection pool",
    "message queue",
    "cache cluster",
    "load balancer",
    "internal DNS resolver",
    "TLS certificate",
    "CDN edge configuration",
    "Kubernetes node pool",
    "feature flag service",
    "job scheduler",
    "object storage bucket",
    "configuration service",
    "service mesh sidecar",
    "search index",
];

const FAILURES: [&str; 12] = [
    "ran out of connections",
    "filled its disk",
    "hit its memory limit and restarted in a loop",
    "served stale entries",
    "dropped a share of its packets",
    "expired without anyone noticing",
    "deadlocked under load",
    "fell behind by several hours",
    "was misconfigured by a deploy",
    "leaked file descriptors until it stopped accepting work",
    "failed over to a replica that was not ready",
    "throttled every client at once",
];

const TRIGGERS: [&str; 12] = [
    "a routine deploy",
    "a traffic spike from a marketing campaign",
    "a schema migration",
    "a certificate rotation",
    "a noisy neighbour on shared hardware",
    "a configuration change",
    "a dependency upgrade",
    "a regional network event at the cloud provider",
    "a nightly batch job",
    "a DDoS attack",
    "a retry storm from the mobile clients",
    "an expired credential",
];

const USER_ACTIONS: [&str; 10] = [
    "check out",
    "sign in",
    "upload files",
    "search the catalogue",
    "receive notifications",
    "see their order history",
    "pay invoices",
    "reset their password",
    "load the dashboard",
    "track their parcels",
];

const TEAMS: [&str; 8] = [
    "the on-call engineer",
    "the database team",
    "the network operations team",
    "the platform team",
    "the incident commander",
    "the payments team",
    "customer support",
    "the security team",
];

const TASK_VERBS: [&str; 16] = [
    "Add alerting on",
    "Load-test",
    "Document the recovery of",
    "Automate failover of",
    "Review the configuration of",
    "Set up dashboards for",
    "Raise the capacity of",
    "Write a runbook for",
    "Add a canary stage for changes to",
    "Put rate limiting in front of",
    "Enable autoscaling for",
    "Run a chaos experiment against",
    "Audit access to",
    "Add a synthetic check for",
    "Move the credentials of",
    "Investigate the saturation of",
];

const TASK_QUALIFIERS: [&str; 8] = [
    "",
    " before the next peak season",
    " in every region",
    " and rehearse it with the on-call rotation",
    ", including the staging environment",
    " with an owner in each team",
    " so that a regression is caught before it ships",
    " and link it from the service catalogue",
];

const LABELS: [&str; 10] = [
    "database",
    "networking",
    "observability",
    "security",
    "capacity",
    "on-call",
    "frontend",
    "tech-debt",
    "customer-facing",
    "infrastructure",
];

const TYPES: [&str; 7] = [
    "prevent",
    "mitigate",
    "detect",
    "repair",
    "process",
    "investigate",
    "other",
];

const MIDDLE_KINDS: [&str; 6] = [
    "investigation",
    "investigation",
    "misleading",
    "escalation",
    "mitigation",
    "communication",
];

/// How many tasks postmortem `i` has: neighbours `2k` and `2k + 1` trade up to half of
/// `tasks_per`; an odd count's last postmortem has exactly `tasks_per`.
fn task_count(corpus: &Corpus, i: usize) -> usize {
    let pair = i / 2;
    if i % 2 == 0 && i + 1 == corpus.postmortems {
        return corpus.tasks_per;
    }
    let mut rng = Rng::new(corpus.seed, u64::MAX - pair as u64);
    let shift = rng.between(0, corpus.tasks_per / 2);
    if i % 2 == 0 {
        corpus.tasks_per + shift
    } else {
        corpus.tasks_per - shift
    }
}

/// A lowercase id from words: letters and digits, single `-` between them, at most `max`.
fn slug(text: &str, max: usize) -> String {
    let mut out = String::new();
    for word in text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word = word.to_ascii_lowercase();
        let sep = usize::from(!out.is_empty());
        if out.len() + sep + word.len() > max {
            break;
        }
        if sep == 1 {
            out.push('-');
        }
        out.push_str(&word);
    }
    out
}

/// `base`, or `base-2`, `base-3`... whichever `taken` does not hold yet; records it.
fn unique(base: String, taken: &mut HashSet<String>) -> String {
    let mut candidate = base.clone();
    let mut n = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    candidate
}

/// Capitalises the first letter.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Appends `key: |` and the lines of `text`, indented by `indent` + 2.
fn block(out: &mut String, indent: &str, key: &str, text: &str) {
    let _ = writeln!(out, "{indent}{key}: |");
    for line in text.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{indent}  {line}");
        }
    }
}

/// How the incident's times are written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Precision {
    DateTime,
    Date,
    TimeOfDay,
}

fn at_text(t: NaiveDateTime, precision: Precision, start: NaiveDateTime) -> String {
    match precision {
        Precision::DateTime if t.date() == start.date() => format!("\"{}\"", t.format("%H:%M")),
        Precision::DateTime => t.format("%Y-%m-%dT%H:%M:00Z").to_string(),
        Precision::Date => t.format("%Y-%m-%d").to_string(),
        Precision::TimeOfDay => format!("\"{}\"", t.format("%H:%M")),
    }
}

fn moment_text(t: NaiveDateTime, precision: Precision) -> String {
    match precision {
        Precision::DateTime => t.format("%Y-%m-%dT%H:%M:00Z").to_string(),
        Precision::Date => t.format("%Y-%m-%d").to_string(),
        Precision::TimeOfDay => format!("\"{}\"", t.format("%H:%M")),
    }
}

/// Generates postmortem `i`; `ids` holds the postmortem ids already used.
fn postmortem(corpus: &Corpus, i: usize, ids: &mut HashSet<String>) -> GeneratedFile {
    let mut rng = Rng::new(corpus.seed, i as u64);
    let service = rng.pick(&SERVICES);
    let component = rng.pick(&COMPONENTS);
    let failure = rng.pick(&FAILURES);
    let trigger = rng.pick(&TRIGGERS);
    let action = rng.pick(&USER_ACTIONS);

    let precision = match rng.between(0, 19) {
        0 => Precision::Date,
        1 => Precision::TimeOfDay,
        _ => Precision::DateTime,
    };
    let day = NaiveDate::from_ymd_opt(2019, 1, 1).expect("a valid date")
        + Duration::days(((i * 3) % 2_400 + rng.between(0, 2)) as i64);
    let start = day
        .and_hms_opt(rng.between(0, 23) as u32, rng.between(0, 11) as u32 * 5, 0)
        .expect("a valid time");
    let length_minutes = match precision {
        // A time of day cannot cross midnight.
        Precision::TimeOfDay => {
            let left = 24 * 60 - 1 - (start.time() - chrono::NaiveTime::MIN).num_minutes();
            rng.between(15, 600).min(left as usize)
        }
        _ => rng.between(15, 1_800),
    };
    let end = start + Duration::minutes(length_minutes as i64);

    let id = unique(
        format!(
            "{}-{service}-{}",
            day.format("%Y-%m-%d"),
            slug(component, 24)
        ),
        ids,
    );
    let name = if rng.chance(10) {
        format!("{id}.yml")
    } else {
        format!("{id}.yaml")
    };

    let mut out = String::with_capacity(4_096 + corpus.tasks_per * 600);
    if rng.chance(70) {
        out.push_str("# yaml-language-server: $schema=../postmortem.schema.json\n");
    }
    let _ = writeln!(out, "id: {id}");
    let _ = writeln!(
        out,
        "title: {} outage after the {component} {failure}",
        sentence(service)
    );
    if rng.chance(50) {
        out.push_str("status: published\n");
    }
    if rng.chance(70) {
        let _ = writeln!(out, "severity: SEV{}", rng.between(1, 4));
    }
    if rng.chance(80) {
        let _ = writeln!(out, "service: {service}");
    }
    if rng.chance(90) {
        let _ = writeln!(out, "started: {}", moment_text(start, precision));
    }
    if rng.chance(85) {
        let _ = writeln!(out, "ended: {}", moment_text(end, precision));
    }
    if precision != Precision::Date && rng.chance(60) {
        let detected = start + Duration::minutes(rng.between(0, length_minutes.min(45)) as i64);
        let _ = writeln!(out, "detected: {}", moment_text(detected, precision));
    }
    if rng.chance(80) {
        let _ = writeln!(
            out,
            "detection: {}",
            rng.pick(&[
                "Monitoring alert on the error rate.",
                "A customer report through the support desk.",
                "Synthetic checks failing in two regions.",
                "An engineer noticed slow dashboards.",
                "Alert on queue depth.",
            ])
        );
    }

    let percent = rng.between(1, 100);
    out.push_str("impact:\n");
    let summary = format!(
        "For {length_minutes} minutes about {percent}% of users could not {action}, and the \
         rest saw slow responses.\nSupport received {} tickets and some orders had to be \
         replayed by hand.",
        rng.between(3, 900)
    );
    if rng.chance(60) {
        block(&mut out, "  ", "summary", &summary);
    } else {
        let _ = writeln!(out, "  summary: {}", summary.replace('\n', " "));
    }
    if rng.chance(70) {
        if rng.chance(20) {
            let _ = writeln!(out, "  users_affected_percent: {}.5", percent.min(99));
        } else {
            let _ = writeln!(out, "  users_affected_percent: {percent}");
        }
    }

    let root_cause = format!(
        "The {component} of {service} {failure} after {trigger}.\n\nThe {component} had \
         been sized for the traffic of {} and nobody had revisited its limits since; the \
         alerts on it fired only once users were already affected.",
        2015 + rng.between(0, 8)
    );
    block(&mut out, "", "root_cause", &root_cause);
    if rng.chance(90) {
        let resolution = format!(
            "{} rolled back the change and restarted the {component}. Traffic was drained \
             from the affected region while the {component} recovered.",
            sentence(rng.pick(&TEAMS))
        );
        block(&mut out, "", "resolution", &resolution);
    }

    timeline(
        &mut out, &mut rng, start, end, precision, component, service,
    );

    if rng.chance(70) {
        let lessons = format!(
            "What went well: {} took the incident within minutes.\nWhat went badly: the \
             runbook for the {component} was out of date.\n",
            rng.pick(&TEAMS)
        );
        block(&mut out, "", "lessons", &lessons);
    }

    let measure_count = rng.between(1, 5);
    let mut measure_ids = HashSet::new();
    let mut measures = Vec::new();
    out.push_str("measures:\n");
    for _ in 0..measure_count {
        let theme = rng.pick(&TASK_VERBS);
        let target = rng.pick(&COMPONENTS);
        let mid = unique(slug(&format!("{theme} {target}"), 40), &mut measure_ids);
        let _ = writeln!(out, "  - id: {mid}");
        let _ = writeln!(out, "    title: {theme} the {target}");
        if rng.chance(70) {
            let _ = writeln!(
                out,
                "    description: Make sure the {target} cannot take {service} down the same way again."
            );
        }
        measures.push(mid);
    }

    let tasks = task_count(corpus, i);
    let mut task_ids = HashSet::new();
    out.push_str("tasks:\n");
    for _ in 0..tasks {
        let verb = rng.pick(&TASK_VERBS);
        let target = rng.pick(&COMPONENTS);
        let title = format!(
            "{verb} the {target} of {service}{}",
            rng.pick(&TASK_QUALIFIERS)
        );
        let tid = unique(slug(&format!("{verb} {target}"), 48), &mut task_ids);
        let _ = writeln!(out, "  - id: {tid}");
        let _ = writeln!(out, "    title: {title}");
        match rng.between(0, 9) {
            0..=3 => {}
            4..=6 => {
                let _ = writeln!(
                    out,
                    "    description: Follow-up of the {} incident; see the timeline.",
                    day.format("%Y-%m-%d")
                );
            }
            _ => {
                let text = format!(
                    "The {target} {failure} during this incident.\n\nDone when:\n- the change \
                     is deployed in every region\n- the runbook names the new limits\n- {} \
                     has reviewed it\n",
                    rng.pick(&TEAMS)
                );
                block(&mut out, "    ", "description", &text);
            }
        }
        if rng.chance(80) {
            let _ = writeln!(
                out,
                "    measure: {}",
                measures[rng.between(0, measures.len() - 1)]
            );
        }
        if rng.chance(75) {
            let _ = writeln!(out, "    type: {}", rng.pick(&TYPES));
        }
        if rng.chance(70) {
            let _ = writeln!(out, "    priority: P{}", rng.between(1, 3));
        }
        if rng.chance(70) {
            let _ = writeln!(out, "    owner: {}", rng.pick(&OWNERS));
        }
        if rng.chance(60) {
            let due = end.date() + Duration::days(rng.between(7, 120) as i64);
            let _ = writeln!(out, "    due: {}", due.format("%Y-%m-%d"));
        }
        match rng.between(0, 9) {
            0..=4 => {}
            5..=8 => {
                let _ = writeln!(out, "    labels: [{}]", rng.pick(&LABELS));
            }
            _ => {
                let first = rng.pick(&LABELS);
                let second = rng.pick(&LABELS);
                if first == second {
                    let _ = writeln!(out, "    labels: [{first}]");
                } else {
                    let _ = writeln!(out, "    labels:\n      - {first}\n      - {second}");
                }
            }
        }
    }
    GeneratedFile {
        name,
        text: out,
        tasks,
    }
}

/// Appends a timeline of 3 to 16 entries in order, from detection to resolution.
fn timeline(
    out: &mut String,
    rng: &mut Rng,
    start: NaiveDateTime,
    end: NaiveDateTime,
    precision: Precision,
    component: &str,
    service: &str,
) {
    let count = rng.between(3, 16);
    let minutes = (end - start).num_minutes().max(1) as usize;
    let mut offsets: Vec<usize> = (0..count).map(|_| rng.between(0, minutes)).collect();
    offsets.sort_unstable();
    offsets[0] = 0;
    offsets[count - 1] = minutes;
    out.push_str("timeline:\n");
    for (n, offset) in offsets.into_iter().enumerate() {
        let kind = if n == 0 {
            "detection"
        } else if n == count - 1 {
            "resolution"
        } else {
            rng.pick(&MIDDLE_KINDS)
        };
        let event = match kind {
            "detection" => format!("Alerts fired for {service} with errors above the threshold."),
            "investigation" => format!(
                "{} looked at the {} and found nothing unusual at first.",
                sentence(rng.pick(&TEAMS)),
                rng.pick(&COMPONENTS)
            ),
            "misleading" => format!(
                "The team suspected the {} and rolled it back, without effect.",
                rng.pick(&COMPONENTS)
            ),
            "escalation" => format!("The incident was escalated to {}.", rng.pick(&TEAMS)),
            "mitigation" => format!("Traffic was shifted away from the {component}."),
            "communication" => "The status page was updated for customers.".to_string(),
            _ => format!("The {component} was healthy again and {service} fully recovered."),
        };
        let timed = n == 0 || n == count - 1 || rng.chance(80);
        if timed {
            let t = start + Duration::minutes(offset as i64);
            let _ = writeln!(out, "  - at: {}", at_text(t, precision, start));
            let _ = writeln!(out, "    kind: {kind}");
        } else {
            let _ = writeln!(out, "  - kind: {kind}");
        }
        let _ = writeln!(out, "    event: {event}");
    }
}
