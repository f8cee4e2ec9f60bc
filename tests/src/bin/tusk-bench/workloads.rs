//! The suite's workloads: what each database holds, made deterministically (arithmetic and md5
//! over `generate_series`, never `random()`), and the upstream/tusk command pairs run on it.

/// One kind of database the suite measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// A 3M-row `events` table and a 1M-row `users` table, about 1.1 GB on disk.
    Realistic,
    /// One table of tens of millions of narrow rows.
    Big,
    /// Many small tables, each with an index: catalog work, not data.
    Tables,
    /// Many large objects of 2 kB of distinct hex each.
    Lobs,
    /// `pgbench -i --foreign-keys`.
    Pgbench,
}

impl Workload {
    pub const ALL: [Workload; 5] = [
        Workload::Realistic,
        Workload::Big,
        Workload::Tables,
        Workload::Lobs,
        Workload::Pgbench,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Workload::Realistic => "realistic",
            Workload::Big => "big",
            Workload::Tables => "tables",
            Workload::Lobs => "lobs",
            Workload::Pgbench => "pgbench",
        }
    }

    pub fn from_name(name: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|w| w.name() == name)
    }

    /// The size of this workload at `scale` (1 is the full size): rows, tables, objects or
    /// pgbench's scale factor, never below 1.
    pub fn size(self, scale: f64) -> u64 {
        let full: u64 = match self {
            Workload::Realistic => 3_000_000,
            Workload::Big => 30_000_000,
            Workload::Tables => 10_000,
            Workload::Lobs => 50_000,
            Workload::Pgbench => 50,
        };
        ((full as f64 * scale).round() as u64).max(1)
    }

    /// What a database of `size` holds, for the report's heading.
    pub fn describe(self, size: u64) -> String {
        match self {
            Workload::Realistic => format!(
                "{} `events` rows, {} `users` rows",
                thousands(size),
                thousands(users(size))
            ),
            Workload::Big => format!("one table of {} rows", thousands(size)),
            Workload::Tables => format!("{} tables of 10 rows with an index", thousands(size)),
            Workload::Lobs => format!("{} large objects of 2 kB", thousands(size)),
            Workload::Pgbench => format!("pgbench scale {size} with foreign keys"),
        }
    }

    /// The SQL that fills an empty database, statement by statement (each its own transaction,
    /// so that making thousands of tables never holds thousands of locks at once); `None` for
    /// pgbench, which fills its own.
    pub fn load_sql(self, size: u64) -> Option<Vec<String>> {
        Some(match self {
            Workload::Realistic => realistic(size),
            Workload::Big => big(size),
            Workload::Tables => tables(size),
            Workload::Lobs => lobs(size),
            Workload::Pgbench => return None,
        })
    }

    /// The command pairs run on this workload, in order.
    pub fn pairs(self) -> &'static [Pair] {
        match self {
            Workload::Realistic | Workload::Big | Workload::Pgbench => &DATA_PAIRS,
            Workload::Tables => &SCHEMA_PAIRS,
            Workload::Lobs => &LOB_PAIRS,
        }
    }
}

/// What a pair runs: a dump of the workload's database into a fresh file or directory, or a
/// restore into a fresh database of an archive that upstream's pg_dump made once with these
/// arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dump,
    Restore {
        archive: &'static [&'static str],
    },
    /// Into another database: upstream's `pg_dump ARGS | pg_restore -d` against tusk_copy.
    Copy,
}

/// Upstream's command and tusk's for the same job, run alternately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    pub label: &'static str,
    pub kind: Kind,
    pub upstream: &'static [&'static str],
    pub tusk: &'static [&'static str],
    /// Whether the job moves table data, so that a rate in MB/s of COPY text means something.
    pub moves_data: bool,
}

impl Pair {
    pub fn programs(&self) -> (&'static str, &'static str) {
        match self.kind {
            Kind::Dump => ("pg_dump", "tusk_dump"),
            Kind::Restore { .. } => ("pg_restore", "tusk_restore"),
            Kind::Copy => ("pg_dump", "tusk_copy"),
        }
    }

    /// Upstream's arguments and tusk's, each `-j` given `jobs` (`--jobs`) or as written.
    pub fn args(&self, jobs: Option<u32>) -> [Vec<String>; 2] {
        [self.upstream, self.tusk].map(|args| {
            let mut out: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            if let Some(jobs) = jobs {
                for i in 1..out.len() {
                    if out[i - 1] == "-j" {
                        out[i] = jobs.to_string();
                    }
                }
            }
            out
        })
    }

    /// The label, with `--jobs`' count where it names one.
    pub fn label(&self, jobs: Option<u32>) -> String {
        match jobs {
            Some(jobs) => self.label.replace("-j 2", &format!("-j {jobs}")),
            None => self.label.to_owned(),
        }
    }

    /// The two command lines as a person would type them, without output and database.
    pub fn command_lines(&self, jobs: Option<u32>) -> (String, String) {
        let (upstream, tusk) = self.programs();
        let [upstream_args, tusk_args] = self.args(jobs);
        let mut upstream = command_line(upstream, &upstream_args);
        if self.kind == Kind::Copy {
            upstream.push_str(" | pg_restore");
        }
        (upstream, command_line(tusk, &tusk_args))
    }
}

pub fn command_line(program: &str, args: &[impl AsRef<str>]) -> String {
    std::iter::once(program)
        .chain(args.iter().map(AsRef::as_ref))
        .collect::<Vec<_>>()
        .join(" ")
}

const DATA_PAIRS: [Pair; 5] = [
    Pair {
        label: "custom, gzip",
        kind: Kind::Dump,
        upstream: &["-Fc"],
        tusk: &["-Fc", "-j", "2"],
        moves_data: true,
    },
    Pair {
        label: "custom, zstd",
        kind: Kind::Dump,
        upstream: &["-Fc", "-Z", "zstd"],
        tusk: &["-Fc", "-j", "2", "-Z", "zstd"],
        moves_data: true,
    },
    Pair {
        label: "directory -j 2, zstd",
        kind: Kind::Dump,
        upstream: &["-Fd", "-j", "2", "-Z", "zstd"],
        tusk: &["-Fd", "-j", "2", "-Z", "zstd"],
        moves_data: true,
    },
    Pair {
        label: "restore -j 2 of pg_dump -Fc -Z zstd",
        kind: Kind::Restore {
            archive: &["-Fc", "-Z", "zstd"],
        },
        upstream: &["-j", "2"],
        tusk: &["-j", "2"],
        moves_data: true,
    },
    // pg_restore reads a pipe serially: Heroku's pg:copy is this pipe.
    Pair {
        label: "copy into another database",
        kind: Kind::Copy,
        upstream: &["-Fc", "-Z", "0"],
        tusk: &["-j", "2"],
        moves_data: true,
    },
];

const SCHEMA_PAIRS: [Pair; 2] = [
    Pair {
        label: "schema only, custom",
        kind: Kind::Dump,
        upstream: &["-Fc", "-s"],
        tusk: &["-Fc", "-s"],
        moves_data: false,
    },
    Pair {
        label: "restore -j 2 of pg_dump -Fc -s",
        kind: Kind::Restore {
            archive: &["-Fc", "-s"],
        },
        upstream: &["-j", "2"],
        tusk: &["-j", "2"],
        moves_data: false,
    },
];

const LOB_PAIRS: [Pair; 2] = [
    Pair {
        label: "custom, gzip",
        kind: Kind::Dump,
        upstream: &["-Fc"],
        tusk: &["-Fc", "-j", "2"],
        moves_data: true,
    },
    RESTORE_CUSTOM,
];

/// Also the `restore` scenario's.
pub const RESTORE_CUSTOM: Pair = Pair {
    label: "restore -j 2 of pg_dump -Fc",
    kind: Kind::Restore { archive: &["-Fc"] },
    upstream: &["-j", "2"],
    tusk: &["-j", "2"],
    moves_data: true,
};

/// One user for every three events, as in the database issue 8 measured.
fn users(events: u64) -> u64 {
    events.div_ceil(3)
}

fn realistic(events: u64) -> Vec<String> {
    let users = users(events);
    vec![
        "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL, email text NOT NULL, \
         created timestamptz NOT NULL, score numeric(10,2))"
            .to_owned(),
        format!(
            "INSERT INTO users SELECT g, 'user ' || g, 'user' || g || '@example.com', \
             timestamptz '2020-01-01 00:00:00+00' + g * interval '37 seconds', \
             (g * 7919 % 1000000) / 100.0 \
             FROM generate_series(1::bigint, {users}) g"
        ),
        "CREATE TABLE events (id bigint NOT NULL, at timestamptz NOT NULL, user_id int NOT NULL, \
         kind text NOT NULL, amount numeric(12,2), token text NOT NULL, attrs jsonb)"
            .to_owned(),
        // The token's 66 hex characters are md5s of distinct strings, so that no two rows
        // share a run of them a compressor could find.
        format!(
            "INSERT INTO events SELECT g, \
             timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' \
                 + (g % 997) * interval '1 millisecond', \
             (g * 7919 % {users} + 1)::int, \
             (ARRAY['view', 'click', 'buy', 'share', 'login'])[g % 5 + 1], \
             (g * 104729 % 10000000) / 100.0, \
             md5(g || 'a') || md5(g || 'b') || left(md5(g || 'c'), 2), \
             jsonb_build_object('source', (ARRAY['web', 'ios', 'android'])[g % 3 + 1], \
                 'version', g % 17, 'flags', jsonb_build_array(g % 2 = 0, g % 3 = 0), \
                 'ref', g % 1000, 'path', '/shop/items/' || (g * 31 % 50000), \
                 'referrer', (ARRAY['https://www.example.com/', \
                     'https://search.example.org/?q=boots', ''])[g % 3 + 1]) \
             FROM generate_series(1::bigint, {events}) g"
        ),
        "CREATE INDEX events_at ON events (at)".to_owned(),
        "CREATE INDEX events_user_id ON events (user_id)".to_owned(),
        "VACUUM ANALYZE".to_owned(),
    ]
}

fn big(rows: u64) -> Vec<String> {
    vec![
        "CREATE TABLE big (id bigint NOT NULL, at timestamptz NOT NULL, n int NOT NULL, \
         label text NOT NULL)"
            .to_owned(),
        format!(
            "INSERT INTO big SELECT g, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second', \
             (g * 7919 % 1000003)::int, md5(g::text) \
             FROM generate_series(1::bigint, {rows}) g"
        ),
        "VACUUM ANALYZE".to_owned(),
    ]
}

fn tables(count: u64) -> Vec<String> {
    const BATCH: u64 = 500;
    (0..count.div_ceil(BATCH))
        .map(|b| {
            let (first, last) = (b * BATCH + 1, ((b + 1) * BATCH).min(count));
            format!(
                "DO $$ DECLARE t text; BEGIN FOR i IN {first}..{last} LOOP \
                 t := 't' || lpad(i::text, 5, '0'); \
                 EXECUTE format('CREATE TABLE %I (id int PRIMARY KEY, name text NOT NULL, \
                     at timestamptz)', t); \
                 EXECUTE format('CREATE INDEX ON %I (name)', t); \
                 EXECUTE format('INSERT INTO %I SELECT g, ''n'' || g, \
                     timestamptz ''2024-01-01 00:00:00+00'' + g * interval ''1 hour'' \
                     FROM generate_series(1, 10) g', t); \
                 END LOOP; END $$"
            )
        })
        .collect()
}

fn lobs(count: u64) -> Vec<String> {
    vec![format!(
        "SELECT count(lo_from_bytea(0, convert_to((SELECT string_agg(md5(g || '.' || i), '') \
             FROM generate_series(1, 64) i), 'UTF8'))) \
         FROM generate_series(1, {count}) g"
    )]
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Workload, thousands};

    #[test]
    fn sizes_scale_and_never_reach_zero() {
        assert_eq!(Workload::Realistic.size(1.0), 3_000_000);
        assert_eq!(Workload::Tables.size(0.01), 100);
        assert_eq!(Workload::Pgbench.size(0.001), 1);
    }

    #[test]
    fn tables_are_made_in_batches_covering_every_number_once() {
        let sql = Workload::Tables.load_sql(1201).unwrap();
        assert_eq!(sql.len(), 3);
        assert!(sql[0].contains("FOR i IN 1..500 LOOP"));
        assert!(sql[2].contains("FOR i IN 1001..1201 LOOP"));
    }

    #[test]
    fn datasets_never_draw_random_numbers() {
        for w in Workload::ALL {
            for statement in w.load_sql(10).unwrap_or_default() {
                assert!(!statement.contains("random"), "{statement}");
            }
        }
    }

    #[test]
    fn names_round_trip_and_numbers_group_by_thousands() {
        for w in Workload::ALL {
            assert_eq!(Workload::from_name(w.name()), Some(w));
        }
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(3_000_000), "3,000,000");
    }
}
