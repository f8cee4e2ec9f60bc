//! `tusk_dumpall` against upstream pg_dumpall 18 on a cluster with roles (attributes,
//! passwords, comments, settings), memberships with ADMIN/INHERIT/SET options and grantors,
//! privileges on parameters, tablespaces (absolute and in-place) and databases with their own
//! settings, privileges and encodings: the globals are the same text, the whole script is the
//! same text (version lines aside), both restore with psql into fresh clusters that upstream
//! pg_dumpall then sees as equal, and failures end as upstream's do.

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

use tusk_tests::compare::{assert_same_text, mask_version_header};
use tusk_tests::harness::{Cluster, run, run_unchecked, tusk_bin};

const KEY: &str = "--restrict-key=DUMPALLTEST";

/// Roles, memberships, settings, parameter privileges, an in-place tablespace and three
/// databases beyond the built-in ones, on a cluster of its own (globals are cluster-wide).
fn cluster() -> Cluster {
    let c = Cluster::options(18)
        .setting("allow_in_place_tablespaces", "on")
        .start()
        .unwrap();
    c.psql(
        "postgres",
        "CREATE ROLE alice LOGIN PASSWORD 'secret' VALID UNTIL '2030-01-01 00:00:00+00' \
           CONNECTION LIMIT 5;
         CREATE ROLE \"Bob O'Neil\" CREATEDB CREATEROLE NOINHERIT;
         CREATE ROLE carol REPLICATION BYPASSRLS;
         CREATE ROLE \"rôle été\";
         CREATE ROLE admins NOLOGIN;
         CREATE ROLE readers;
         COMMENT ON ROLE alice IS 'the first user';
         COMMENT ON ROLE \"rôle été\" IS 'accentué';
         GRANT admins TO alice WITH ADMIN OPTION;
         SET ROLE alice;
         GRANT admins TO carol WITH INHERIT FALSE, SET FALSE;
         GRANT admins TO \"rôle été\" WITH ADMIN OPTION;
         RESET ROLE;
         GRANT readers TO \"Bob O'Neil\" WITH INHERIT TRUE;
         GRANT pg_read_all_data TO readers;
         ALTER ROLE alice SET work_mem = '64MB';
         ALTER ROLE alice SET search_path = public, \"$user\", 'odd path';
         ALTER ROLE carol IN DATABASE postgres SET statement_timeout = '5s';
         GRANT SET ON PARAMETER work_mem TO readers;
         GRANT ALTER SYSTEM ON PARAMETER log_min_duration_statement TO alice WITH GRANT OPTION;
         CREATE TABLESPACE inplace OWNER alice LOCATION '';
         GRANT CREATE ON TABLESPACE inplace TO readers;
         COMMENT ON TABLESPACE inplace IS 'in place';
         ALTER TABLESPACE inplace SET (seq_page_cost = 1.5, random_page_cost = 2);
         CREATE DATABASE app OWNER alice;
         ALTER DATABASE app SET work_mem = '8MB';
         ALTER ROLE alice IN DATABASE app SET work_mem = '16MB';
         GRANT CONNECT ON DATABASE app TO readers;
         REVOKE TEMPORARY ON DATABASE app FROM PUBLIC;
         CREATE DATABASE \"Odd Db\" TEMPLATE template0 ENCODING 'LATIN1' LOCALE 'C';
         CREATE DATABASE skipped;",
    )
    .unwrap();
    c.psql(
        "app",
        "CREATE TABLE t (id int PRIMARY KEY, v text);
         INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 50) g;
         CREATE TABLE placed (x int) TABLESPACE inplace;
         INSERT INTO placed VALUES (1), (2);
         GRANT SELECT ON t TO readers;",
    )
    .unwrap();
    c.psql(
        "Odd Db",
        "CREATE TABLE é (a text); INSERT INTO é VALUES ('café'), ('naïve');",
    )
    .unwrap();
    c.psql(
        "postgres",
        "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42);",
    )
    .unwrap();
    c
}

/// A directory beside the cluster's data directory, owned by the server's user, for an
/// absolute tablespace.
fn tablespace_dir(c: &Cluster, name: &str) -> PathBuf {
    let data = c.data_dir();
    let dir = data.with_file_name(name);
    std::fs::create_dir(&dir).unwrap();
    let meta = std::fs::metadata(&data).unwrap();
    std::os::unix::fs::chown(&dir, Some(meta.uid()), Some(meta.gid())).unwrap();
    dir
}

/// pg_dumpall 18, or a tusk binary.
fn program(c: &Cluster, name: &str) -> PathBuf {
    match name {
        "pg_dumpall" => c.bin("pg_dumpall"),
        _ => tusk_bin(name).unwrap(),
    }
}

/// The script, a byte per char: exact whatever its encoding (`-E LATIN1`'s is not UTF-8).
fn dumpall(c: &Cluster, name: &str, args: &[&str]) -> String {
    let out = run(name, c.command(program(c, name)).args(args), None).unwrap();
    out.stdout.iter().map(|&b| char::from(b)).collect()
}

#[test]
fn globals_are_upstreams_text() {
    let c = cluster();
    let dir = tablespace_dir(&c, "ts_abs");
    c.psql(
        "postgres",
        &format!(
            "CREATE TABLESPACE abs OWNER \"Bob O'Neil\" LOCATION '{}';
             COMMENT ON TABLESPACE abs IS 'on disk';",
            dir.display()
        ),
    )
    .unwrap();
    let cases: &[&[&str]] = &[
        &["-g"],
        &["-r"],
        &["-t"],
        &["-g", "-c", "--if-exists"],
        &["-r", "-c"],
        &["-t", "-c", "--if-exists"],
        &["-g", "--no-role-passwords"],
        &["-g", "-x", "--no-comments"],
        &["-g", "--no-tablespaces", "--no-security-labels"],
        &["-g", "--quote-all-identifiers"],
        &["-g", "-E", "LATIN1"],
        &["-g", "--role=alice", "--no-role-passwords"],
        &["-g", "-l", "app", "-O"],
    ];
    for args in cases {
        let args: Vec<&str> = args.iter().copied().chain([KEY]).collect();
        let theirs = dumpall(&c, "pg_dumpall", &args);
        let ours = dumpall(&c, "tusk_dumpall", &args);
        assert_same_text(
            &theirs,
            &ours,
            &format!("pg_dumpall {args:?}"),
            &format!("tusk_dumpall {args:?}"),
        );
    }
    // `-f -` names a file "-" for pg_dumpall, where pg_dump would write to standard output.
    let mut scripts = Vec::new();
    for name in ["pg_dumpall", "tusk_dumpall"] {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = c.command(program(&c, name));
        cmd.current_dir(dir.path()).args(["-g", "-f", "-", KEY]);
        let out = run(name, &mut cmd, None).unwrap();
        assert!(
            out.stdout.is_empty(),
            "{name} -f - wrote to standard output"
        );
        let script = std::fs::read(dir.path().join("-")).unwrap();
        scripts.push(mask_version_header(
            &script.iter().map(|&b| char::from(b)).collect::<String>(),
        ));
    }
    assert_same_text(
        &scripts[0],
        &scripts[1],
        "pg_dumpall -g -f -",
        "tusk_dumpall -g -f -",
    );
}

#[test]
fn whole_cluster_is_upstreams_text_and_restores_the_same() {
    let c = cluster();
    let cases: &[&[&str]] = &[
        &[],
        &["-c", "--if-exists"],
        &["--exclude-database=skip*", "-O", "-x"],
        &["-s", "--no-role-passwords"],
        &["-a", "--inserts"],
        &["--exclude-database", "\"Odd Db\"", "-E", "LATIN1"],
    ];
    for args in cases {
        let theirs = mask_version_header(&dumpall(&c, "pg_dumpall", args));
        let ours = mask_version_header(&dumpall(&c, "tusk_dumpall", args));
        assert_same_text(
            &theirs,
            &ours,
            &format!("pg_dumpall {args:?}"),
            &format!("tusk_dumpall {args:?}"),
        );
    }

    // Restored by psql into fresh clusters, tusk's script and upstream's make the same
    // cluster, which is the source's (its in-place tablespace made anew).
    let dir = tempfile::tempdir().unwrap();
    let restored = |name: &str| {
        let script = dir.path().join(format!("{name}.sql"));
        run(
            name,
            c.command(program(&c, name)).arg("-f").arg(&script),
            None,
        )
        .unwrap();
        let target = Cluster::options(18)
            .setting("allow_in_place_tablespaces", "on")
            .start()
            .unwrap();
        let out = run_unchecked(
            "psql",
            target
                .upstream("psql")
                .args(["-X", "-q", "-d", "postgres", "-f"])
                .arg(&script),
            None,
        )
        .unwrap();
        let errors: Vec<String> = String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.contains("ERROR"))
            .map(|l| {
                l.split_once("ERROR")
                    .map(|(_, e)| e)
                    .unwrap_or(l)
                    .to_owned()
            })
            .collect();
        let all = mask_version_header(&dumpall(&target, "pg_dumpall", &[KEY]));
        (errors, all)
    };
    let (their_errors, theirs) = restored("pg_dumpall");
    let (our_errors, ours) = restored("tusk_dumpall");
    assert_eq!(
        our_errors, their_errors,
        "psql errors restoring the scripts"
    );
    // The only error: the restoring superuser exists already.
    assert_eq!(their_errors, [":  role \"postgres\" already exists"]);
    assert_same_text(
        &theirs,
        &ours,
        "cluster restored from pg_dumpall",
        "cluster restored from tusk_dumpall",
    );
    let source = mask_version_header(&dumpall(&c, "pg_dumpall", &[KEY]));
    assert_same_text(
        &source,
        &ours,
        "source cluster",
        "cluster restored from tusk_dumpall",
    );
}

/// How a command ended: exit status, stderr (program names and paths made pg_dumpall's,
/// as getopt names a program by its path) and whether it wrote to standard output.
fn ended(c: &Cluster, name: &str, args: &[&str]) -> (Option<i32>, String, bool) {
    let bin = program(c, name);
    let out = run_unchecked(name, c.command(&bin).args(args), None).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr)
        .replace(&bin.display().to_string(), "pg_dumpall")
        .replace("tusk_dumpall", "pg_dumpall")
        .replace("tusk_dump", "pg_dump");
    (out.status.code(), stderr, out.stdout.is_empty())
}

#[test]
fn failures_end_as_upstreams_and_leave_no_script() {
    let c = Cluster::start(18).unwrap();
    c.psql("postgres", "CREATE DATABASE other;").unwrap();
    let cases: &[&[&str]] = &[
        &["-l", "nosuch"],
        &["-g", "-E", "NOPE"],
        &["-g", "--role=nosuch"],
        &["--rows-per-insert=0"],
        &["-g", "--exclude-database=x"],
        &["--exclude-database=a.b"],
        &["-g", "-r"],
        &["-r", "-t"],
        &["--if-exists"],
        &["extra"],
        &["--no-such-option"],
    ];
    for args in cases {
        let theirs = ended(&c, "pg_dumpall", args);
        let ours = ended(&c, "tusk_dumpall", args);
        assert_eq!(ours, theirs, "{args:?}: exit status, stderr, empty stdout");
    }

    // A database's dump failing stops the run; upstream leaves what it wrote so far, tusk
    // leaves nothing that could pass for a cluster dump.
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("cluster.sql");
    let script_arg = script.display().to_string();
    let (status, stderr, _) = ended(
        &c,
        "tusk_dumpall",
        &["-f", &script_arg, "--rows-per-insert=0"],
    );
    assert_eq!(status, Some(1));
    assert!(
        stderr.ends_with("pg_dump failed on database \"template1\", exiting\n"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// `-W`: the password is asked for once, on standard error (no terminal), and serves the
/// cluster connection and every database's dump (pg_dumpall asks again for each database);
/// it shows nowhere in the output or the messages.
#[test]
fn a_password_is_asked_for_once_and_never_shown() {
    const PASSWORD: &str = "Kp4-dumpall-7Vn";
    let c = Cluster::options(18)
        .scram_password(PASSWORD)
        .start()
        .unwrap();
    c.psql("postgres", "CREATE DATABASE one; CREATE DATABASE two;")
        .unwrap();
    // setsid: no controlling terminal, so the prompt reads standard input.
    let mut cmd = c.command("setsid");
    cmd.env_remove("PGPASSWORD")
        .arg(tusk_bin("tusk_dumpall").unwrap())
        .arg("-W");
    let input = format!("{PASSWORD}\n");
    let out = run_unchecked("tusk_dumpall -W", &mut cmd, Some(input.as_bytes())).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr.matches("Password: ").count(), 1, "{stderr}");
    for db in ["one", "two", "postgres", "template1"] {
        assert!(
            stdout.contains(&format!("-- Database \"{db}\" dump")),
            "{db} missing"
        );
    }
    assert!(!stdout.contains(PASSWORD) && !stderr.contains(PASSWORD));
}
