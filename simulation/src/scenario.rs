//! What happens during the simulated month, drawn from a seed: when each Glue session is
//! created, how long it provisions, whether its CreateSession event arrives; when AWS starts
//! each database, how long it takes to become available, how many times its event arrives,
//! and whether its trigger fails after Lambda's retries.

use check_and_stop_rds::ResourceType;

pub const DAY: f64 = 86_400.0;
const MINUTE: f64 = 60.0;

#[derive(Debug, Clone)]
pub struct Options {
    pub sessions: usize,
    pub databases: usize,
    pub days: u32,
    /// Share of CreateSession events never delivered.
    pub lost: f64,
    /// Share of RDS auto-start events never delivered.
    pub rds_lost: f64,
    /// Share of RDS triggers that fail on every try, Lambda's retries included.
    pub trigger_failed: f64,
    /// Share of Glue and RDS API calls answered with a throttling error.
    pub throttled: f64,
    /// Share of RDS events delivered twice.
    pub duplicated: f64,
    /// Share of sessions tagged to be left running.
    pub opted_out: f64,
    /// Share of sessions created with more workers than the limit (`MAX_WORKERS`).
    pub over_limits: f64,
    /// Share of sessions that never run a statement; of those that do, the share busy for hours.
    pub idle_from_start: f64,
    pub busy_for_hours: f64,
    /// Share of auto-started databases without the protection tag.
    pub unprotected: f64,
    pub seed: u64,
    /// Simulated seconds per real second.
    pub speed: f64,
}

impl Options {
    /// A month: 1,000 sessions and 50 auto-started databases.
    pub fn month() -> Self {
        Options {
            sessions: 1000,
            databases: 50,
            days: 30,
            lost: 0.05,
            rds_lost: 0.05,
            trigger_failed: 0.02,
            throttled: 0.10,
            duplicated: 0.2,
            opted_out: 0.02,
            over_limits: 0.03,
            idle_from_start: 0.3,
            busy_for_hours: 0.2,
            unprotected: 0.1,
            seed: 7,
            speed: 3600.0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SessionPlan {
    pub id: String,
    /// Simulated seconds since the origin.
    pub created: f64,
    pub provisioning: f64,
    /// When the CreateSession event reaches the workflow; `None`: never.
    pub delivered: Option<f64>,
    pub opted_out: bool,
    /// G.1X workers asked for at creation (one DPU each).
    pub workers: u32,
    /// Each statement's start and end, in simulated seconds since the origin.
    pub statements: Vec<(f64, f64)>,
}

impl SessionPlan {
    /// A statement runs at `at`.
    pub fn busy(&self, at: f64) -> bool {
        self.statements
            .iter()
            .any(|&(start, end)| start <= at && at < end)
    }
}

#[derive(Debug, Clone)]
pub struct DbPlan {
    pub id: String,
    pub kind: ResourceType,
    pub protected: bool,
    /// When AWS starts it after 7 days stopped.
    pub started: f64,
    pub available: f64,
    /// When each copy of its auto-start event arrives (none: lost).
    pub deliveries: Vec<f64>,
    /// Its trigger fails each time: only the sweep can catch it.
    pub trigger_fails: bool,
}

pub struct Plan {
    pub sessions: Vec<SessionPlan>,
    pub databases: Vec<DbPlan>,
}

/// Sessions are created in working hours (08:00 to 18:00, Monday to Friday; the origin is a
/// Monday); AWS auto-starts databases at any hour.
pub fn plan(options: &Options) -> Plan {
    let mut rng = Rng::new(options.seed);
    let working_days: Vec<u32> = (0..options.days).filter(|d| d % 7 < 5).collect();
    let sessions = (0..options.sessions)
        .map(|i| {
            let day = working_days[rng.below(working_days.len())];
            let created = f64::from(day) * DAY + 8.0 * 3600.0 + rng.uniform(0.0, 10.0 * 3600.0);
            let lost = rng.chance(options.lost);
            let provisioning = rng.uniform(0.0, 10.0 * MINUTE);
            SessionPlan {
                id: format!("session-{i:04}"),
                created,
                provisioning,
                // CloudTrail delivers management events to EventBridge within minutes.
                delivered: (!lost).then(|| created + rng.uniform(30.0, 5.0 * MINUTE)),
                opted_out: rng.chance(options.opted_out),
                workers: if rng.chance(options.over_limits) {
                    20
                } else {
                    5
                },
                statements: statements(&mut rng, options, created + provisioning),
            }
        })
        .collect();
    let span = f64::from(options.days) * DAY;
    let databases = (0..options.databases)
        .map(|i| {
            let kind = if i % 5 == 4 {
                ResourceType::Cluster
            } else {
                ResourceType::Instance
            };
            let started = rng.uniform(0.0, span - 2.0 * 3600.0);
            let mut deliveries = vec![started + rng.uniform(5.0, 2.0 * MINUTE)];
            if rng.chance(options.duplicated) {
                deliveries.push(started + rng.uniform(5.0, 10.0 * MINUTE));
            }
            if rng.chance(options.rds_lost) {
                deliveries.clear();
            }
            DbPlan {
                id: format!("{}-{i:02}", kind.as_str()),
                kind,
                protected: !rng.chance(options.unprotected),
                started,
                available: started + rng.uniform(0.0, 60.0 * MINUTE),
                trigger_fails: !deliveries.is_empty() && rng.chance(options.trigger_failed),
                deliveries,
            }
        })
        .collect();
    Plan {
        sessions,
        databases,
    }
}

/// What a notebook runs once it is ready: nothing; one statement busy for hours; or one to five
/// statements of 1 to 15 minutes in its first 75 minutes.
fn statements(rng: &mut Rng, options: &Options, ready: f64) -> Vec<(f64, f64)> {
    if rng.chance(options.idle_from_start) {
        return Vec::new();
    }
    if rng.chance(options.busy_for_hours) {
        let start = ready + rng.uniform(MINUTE, 10.0 * MINUTE);
        return vec![(start, start + rng.uniform(2.0 * 3600.0, 5.0 * 3600.0))];
    }
    let mut statements: Vec<(f64, f64)> = (0..1 + rng.below(5))
        .map(|_| {
            let start = ready + rng.uniform(0.0, 75.0 * MINUTE);
            (start, start + rng.uniform(MINUTE, 15.0 * MINUTE))
        })
        .collect();
    statements.sort_by(|a, b| a.0.total_cmp(&b.0));
    statements
}

/// A seeded generator, so a run can be repeated exactly (with the locked `fastrand`), and the
/// draws the scenario makes.
pub struct Rng(fastrand::Rng);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(fastrand::Rng::with_seed(seed))
    }

    pub fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + self.0.f64() * (high - low)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.0.f64() < p
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.0.usize(..n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_looks_like_the_brief() {
        let options = Options::month();
        let plan = plan(&options);
        assert_eq!(plan.sessions.len(), 1000);
        let lost = plan
            .sessions
            .iter()
            .filter(|s| s.delivered.is_none())
            .count();
        assert!((30..=70).contains(&lost), "{lost} lost");
        for s in &plan.sessions {
            assert!((0.0..=600.0).contains(&s.provisioning));
            let day = (s.created / DAY) as u32;
            assert!(day % 7 < 5, "{} on a weekend", s.id);
            assert!(s.delivered.is_none_or(|d| d > s.created));
            assert!(s.statements.iter().all(|&(a, b)| a >= s.created && b > a));
        }
        let idle = plan
            .sessions
            .iter()
            .filter(|s| s.statements.is_empty())
            .count();
        assert!((200..=400).contains(&idle), "{idle} idle from the start");
        let over = plan.sessions.iter().filter(|s| s.workers > 10).count();
        assert!((10..=50).contains(&over), "{over} over the limits");
        assert_eq!(plan.databases.len(), 50);
        let twice = plan
            .databases
            .iter()
            .filter(|d| d.deliveries.len() == 2)
            .count();
        assert!(twice > 0);
        let caught_by_sweep = plan
            .databases
            .iter()
            .filter(|d| d.deliveries.is_empty() || d.trigger_fails)
            .count();
        assert!(caught_by_sweep > 0, "no database is left to the sweep");
        for d in &plan.databases {
            assert!(d.available >= d.started && d.available <= d.started + 3600.0);
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_month() {
        let a = plan(&Options::month());
        let b = plan(&Options::month());
        assert_eq!(a.sessions[500].created, b.sessions[500].created);
        assert_eq!(a.databases[10].available, b.databases[10].available);
    }
}
