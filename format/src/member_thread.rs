//! A data member compressed and written on a thread of its own, so the thread that produces
//! the payload (a session reading COPY) does not wait on the compressor: it copies its writes
//! into batches and hands them over a bounded channel. Memory stays flat: at most
//! `IN_FLIGHT + 2` batches of about `BATCH_SIZE` bytes exist per member.

use std::io::{self, Write};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

use crate::error::FormatError;

/// Bytes a batch collects before it is handed over (a single bigger write makes its own).
const BATCH_SIZE: usize = 128 * 1024;
/// Batches waiting for the member's thread before the producer has to wait.
const IN_FLIGHT: usize = 4;

/// The bytes of consecutive writes and where each one ends: the member sees the very same
/// write calls, because an uncompressed member makes one chunk per write.
#[derive(Default)]
struct Batch {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

/// The producer's side: fills a batch, hands it over when full, reuses the ones given back.
struct BatchSender {
    batch: Batch,
    full: SyncSender<Batch>,
    empty: Receiver<Batch>,
}

impl BatchSender {
    /// Hands the current batch over; fails when the member's thread has stopped (its own
    /// error says why).
    fn hand_over(&mut self) -> io::Result<()> {
        let mut next = self.empty.try_recv().unwrap_or_default();
        // A batch that grew for one huge write is not kept at that size.
        next.bytes.shrink_to(BATCH_SIZE);
        let batch = std::mem::replace(&mut self.batch, next);
        self.full
            .send(batch)
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "data member writer stopped"))
    }
}

impl Write for BatchSender {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if !self.batch.bytes.is_empty() && self.batch.bytes.len() + buf.len() > BATCH_SIZE {
            self.hand_over()?;
        }
        self.batch.bytes.extend_from_slice(buf);
        self.batch.ends.push(self.batch.bytes.len());
        Ok(buf.len())
    }

    /// Nothing to do: everything reaches the member before it is finished.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The member's thread: replays each batch's writes into `member`, gives the batch back.
fn drain(
    member: &mut (dyn Write + Send),
    full: Receiver<Batch>,
    empty: Sender<Batch>,
) -> io::Result<()> {
    for mut batch in full {
        let mut start = 0;
        for &end in &batch.ends {
            member.write_all(&batch.bytes[start..end])?;
            start = end;
        }
        batch.bytes.clear();
        batch.ends.clear();
        // The producer may be done already; then the batch is simply freed.
        let _ = empty.send(batch);
    }
    Ok(())
}

/// Runs `fill` on this thread with a writer whose bytes reach `member` on another thread,
/// and returns once `member` has been given all of them. A failure of `member` is returned
/// in preference to `fill`'s, which is then only its echo.
pub fn write_through_thread<E: From<FormatError>>(
    member: &mut (dyn Write + Send),
    fill: impl FnOnce(&mut dyn Write) -> Result<(), E>,
) -> Result<(), E> {
    let (full_tx, full_rx) = sync_channel(IN_FLIGHT);
    let (empty_tx, empty_rx) = channel();
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || drain(member, full_rx, empty_tx));
        let mut sender = BatchSender {
            batch: Batch::default(),
            full: full_tx,
            empty: empty_rx,
        };
        let filled = fill(&mut sender).and_then(|()| {
            if sender.batch.bytes.is_empty() {
                Ok(())
            } else {
                sender.hand_over().map_err(|e| FormatError::Write(e).into())
            }
        });
        // Ends the channel, so the member's thread stops after the last batch.
        drop(sender);
        match writer.join() {
            Ok(Ok(())) => filled,
            Ok(Err(e)) => Err(FormatError::Write(e).into()),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records each write call it gets.
    #[derive(Default)]
    struct Calls(Vec<Vec<u8>>);

    impl Write for Calls {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_member_gets_the_same_write_calls() {
        let writes: Vec<Vec<u8>> = (0..5000usize)
            .map(|i| vec![(i % 251) as u8; (i * 37) % 700 + 1])
            .chain([vec![7u8; 3 * BATCH_SIZE], vec![1, 2, 3]])
            .collect();
        let mut member = Calls::default();
        write_through_thread::<FormatError>(&mut member, |w| {
            for write in &writes {
                w.write_all(write).map_err(FormatError::Write)?;
            }
            w.write_all(&[]).map_err(FormatError::Write)?;
            Ok(())
        })
        .unwrap();
        assert_eq!(member.0, writes);
    }

    /// Fails on its first write.
    struct Full;

    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("disk full"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_members_failure_is_reported_not_its_echo() {
        let chunk = vec![0u8; 1000];
        let err = write_through_thread::<FormatError>(&mut Full, |w| {
            loop {
                w.write_all(&chunk).map_err(FormatError::Write)?;
            }
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "could not write to output file: disk full");
    }

    #[test]
    fn the_fills_failure_is_reported() {
        let mut member = Calls::default();
        let err = write_through_thread(&mut member, |w| {
            w.write_all(b"row\n").map_err(FormatError::Write)?;
            Err(FormatError::unwritable("query failed"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "cannot write archive: query failed");
    }
}
