//! Manual check: `cargo run -p tusk-connect --example connect_check -- [-d CONNSTR] [-h HOST] [-p PORT] [-U USER] [-w] [-W]`
//! connects like pg_dump would and prints where it landed, or the error
//! as pg_dump would print it.

use tusk_connect::{ConnectOptions, ProcessEnv, connect, resolve};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut opts = ConnectOptions {
        application_name: Some("connect_check".to_owned()),
        ..ConnectOptions::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "-d" => opts.dbname = args.next(),
            "-h" => opts.host = args.next(),
            "-p" => opts.port = args.next(),
            "-U" => opts.username = args.next(),
            "-w" => opts.no_password = true,
            "-W" => opts.force_password = true,
            other => opts.dbname = Some(other.to_owned()),
        }
    }
    let result = match resolve(&opts, &ProcessEnv) {
        Ok(params) => connect(&params, &opts).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => {
            let user: String = match c.client.query_one("SELECT current_user::text", &[]).await {
                Ok(row) => row.get(0),
                Err(e) => format!("<{e}>"),
            };
            println!(
                "connected: user={user} host={:?} port={} tls={} password={} version={:?}",
                c.server.host.display_host(),
                c.server.port,
                c.server.tls,
                c.server.used_password,
                c.server_version_num()
            );
        }
        Err(e) => {
            eprintln!("connect_check: error: {}", e.libpq_message());
            std::process::exit(1);
        }
    }
}
