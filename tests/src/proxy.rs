//! A TCP proxy in front of a server that a test can stall: it keeps every connection open but
//! stops passing bytes either way, as a network that silently drops packets does.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the proxy's threads look at the flags.
const TICK: Duration = Duration::from_millis(20);

#[derive(Default)]
struct Flags {
    stalled: AtomicBool,
    closed: AtomicBool,
}

pub struct StallProxy {
    port: u16,
    flags: Arc<Flags>,
    acceptor: Option<JoinHandle<()>>,
}

impl StallProxy {
    /// Listens on a free port of 127.0.0.1 and forwards each connection to 127.0.0.1:`to`.
    pub fn start(to: u16) -> std::io::Result<StallProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let flags = Arc::new(Flags::default());
        let shared = Arc::clone(&flags);
        let acceptor = std::thread::spawn(move || accept(listener, to, shared));
        Ok(StallProxy {
            port,
            flags,
            acceptor: Some(acceptor),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// From now on no byte passes, on open connections and new ones (which are accepted).
    pub fn stall(&self) {
        self.flags.stalled.store(true, Ordering::SeqCst);
    }
}

impl Drop for StallProxy {
    fn drop(&mut self) {
        self.flags.closed.store(true, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept(listener: TcpListener, to: u16, flags: Arc<Flags>) {
    let mut pumps = Vec::new();
    while !flags.closed.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((client, _)) => {
                let Ok(server) = TcpStream::connect(("127.0.0.1", to)) else {
                    continue;
                };
                for (from, into) in [(&client, &server), (&server, &client)] {
                    if let (Ok(from), Ok(into)) = (from.try_clone(), into.try_clone()) {
                        let flags = Arc::clone(&flags);
                        pumps.push(std::thread::spawn(move || pump(from, into, &flags)));
                    }
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(TICK),
            Err(_) => break,
        }
    }
    for pump in pumps {
        let _ = pump.join();
    }
}

/// Copies `from` into `into` until either end closes or the proxy does; while stalled, holds
/// what it has read and reads no more.
fn pump(mut from: TcpStream, mut into: TcpStream, flags: &Flags) {
    let _ = from.set_nonblocking(false);
    if from.set_read_timeout(Some(TICK)).is_err() {
        return;
    }
    let mut buf = vec![0u8; 64 * 1024];
    'copying: loop {
        while flags.stalled.load(Ordering::SeqCst) {
            if flags.closed.load(Ordering::SeqCst) {
                break 'copying;
            }
            std::thread::sleep(TICK);
        }
        if flags.closed.load(Ordering::SeqCst) {
            break;
        }
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(_) => break,
        };
        while flags.stalled.load(Ordering::SeqCst) {
            if flags.closed.load(Ordering::SeqCst) {
                break 'copying;
            }
            std::thread::sleep(TICK);
        }
        if into.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = into.shutdown(Shutdown::Write);
}
