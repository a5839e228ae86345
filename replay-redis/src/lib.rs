//! Replay protection shared by a fleet: an [`applepay_crypto::ReplayGuard`] on Redis (or
//! Valkey), so that each Apple Pay `transactionId` is accepted once across every instance
//! behind a load balancer.
//!
//! Each check is one atomic `SET key value NX PX ttl`: the key is a prefix (default
//! [`DEFAULT_KEY_PREFIX`]) followed by the canonical transaction id, and the TTL is the
//! token's forget instant minus the caller's `now`, at least 1 ms — the key expires with
//! the token's window, on the caller's time (a token checked as of 2021 gets a TTL of
//! minutes, never a negative one). Two instances sending the same id at the same moment:
//! Redis runs one `SET` first, the other finds the key.
//!
//! It fails closed: a server that is unreachable, slow (past the timeout) or failing is
//! [`Error::ReplayStore`] and the token is refused. The connection is opened on first use
//! and reopened after a failure, so a server that comes back is used again.
//!
//! [`RedisReplayStore`] is async (tokio); [`BlockingRedisReplayStore`] wraps it with its
//! own runtime thread and implements [`ReplayGuard`], for
//! [`Keyring::decrypt_once`](applepay_crypto::Keyring::decrypt_once):
//!
//! ```no_run
//! use applepay_crypto::{DEFAULT_MAX_AGE, Keyring, PaymentToken, UnixTime, Verifier};
//! use applepay_replay_redis::BlockingRedisReplayStore;
//!
//! # fn main() -> Result<(), applepay_crypto::Error> {
//! # let (keyring, json) = (Keyring::new(), b"{}");
//! let store = BlockingRedisReplayStore::open("redis://127.0.0.1:6379/0")?;
//! let verifier = Verifier::new();
//! // Per payment:
//! let verified = PaymentToken::from_json(json)?.verify(&verifier, UnixTime::now(), DEFAULT_MAX_AGE)?;
//! let payment = keyring.decrypt_once(&verified, &store)?; // Error::Replay for a copy
//! # Ok(())
//! # }
//! ```
//!
//! In async code, call [`RedisReplayStore::check_and_record`] yourself between
//! verification and decryption (and [`RedisReplayStore::release`] when decryption fails),
//! or run the blocking facade on a blocking thread (`tokio::task::spawn_blocking`): it
//! must not be called from inside an async runtime.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    rust_2018_idioms,
    unused_qualifications
)]

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use applepay_crypto::{Error, ReplayGuard, UnixTime};
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, RedisError};

/// The default prefix of the keys: `applepay:replay:` followed by the 64 lower-case hex
/// digits of the transaction id.
pub const DEFAULT_KEY_PREFIX: &str = "applepay:replay:";

/// The default limit on connecting and on each command's answer: 1 second. Past it the
/// check is [`Error::ReplayStore`] (the token is refused).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// A replay store on a Redis server, async (tokio). See the crate docs.
#[derive(Debug)]
pub struct RedisReplayStore {
    client: Client,
    prefix: String,
    timeout: Duration,
    /// The open connection (multiplexed: every caller shares it), or `None` before the
    /// first use and after a failure.
    connection: Mutex<Option<MultiplexedConnection>>,
}

impl RedisReplayStore {
    /// A store on the server at `url`: `redis://HOST:PORT[/DB]` (also with
    /// `USER:PASSWORD@` before the host). Nothing is connected yet: the first check
    /// connects.
    ///
    /// Errors: [`Error::InvalidParameter`] when the URL does not parse.
    pub fn open(url: &str) -> Result<Self, Error> {
        let client = Client::open(url)
            .map_err(|_| Error::InvalidParameter("redis url: redis://HOST:PORT[/DB]"))?;
        Ok(Self {
            client,
            prefix: DEFAULT_KEY_PREFIX.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            connection: Mutex::new(None),
        })
    }

    /// The same store with keys named `prefix` + transaction id (to share a server
    /// between environments, say).
    #[must_use]
    pub fn with_key_prefix(mut self, prefix: &str) -> Self {
        prefix.clone_into(&mut self.prefix);
        self
    }

    /// The same store with `timeout` for connecting and for each answer (default
    /// [`DEFAULT_TIMEOUT`]).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The key of a transaction id.
    #[must_use]
    pub fn key(&self, transaction_id: &str) -> String {
        format!("{}{transaction_id}", self.prefix)
    }

    /// [`ReplayGuard::check_and_record`], async: one `SET key forget_at NX PX ttl`, the
    /// TTL being `forget_at - now` in milliseconds, at least 1.
    ///
    /// Errors: [`Error::Replay`] when the key exists; [`Error::ReplayStore`] when the
    /// server cannot be reached, does not answer within the timeout, or refuses the
    /// command; [`Error::InvalidParameter`] when `transaction_id` is not 64 lower-case
    /// hex digits.
    pub async fn check_and_record(
        &self,
        transaction_id: &str,
        now: UnixTime,
        forget_at: UnixTime,
    ) -> Result<(), Error> {
        check_id(transaction_id)?;
        let ttl_ms = forget_at
            .as_secs()
            .saturating_sub(now.as_secs())
            .saturating_mul(1000)
            .max(1);
        let mut command = redis::cmd("SET");
        command
            .arg(self.key(transaction_id))
            .arg(forget_at.as_secs())
            .arg("NX")
            .arg("PX")
            .arg(ttl_ms);
        let set: Option<String> = self.query(&command).await?;
        match set {
            Some(_) => Ok(()),
            None => Err(Error::Replay),
        }
    }

    /// [`ReplayGuard::release`], async: `DEL key`.
    ///
    /// Errors: [`Error::ReplayStore`] when the server cannot be reached or refuses;
    /// [`Error::InvalidParameter`] for an id that is not 64 lower-case hex digits.
    pub async fn release(&self, transaction_id: &str) -> Result<(), Error> {
        check_id(transaction_id)?;
        let mut command = redis::cmd("DEL");
        command.arg(self.key(transaction_id));
        let _deleted: i64 = self.query(&command).await?;
        Ok(())
    }

    /// Runs `command` on the shared connection, opening it first if needed; on a failure
    /// the connection is dropped, so the next call opens a new one.
    async fn query<T: redis::FromRedisValue>(&self, command: &redis::Cmd) -> Result<T, Error> {
        let cached = self.lock().clone();
        let mut connection = match cached {
            Some(connection) => connection,
            None => {
                let config = AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(self.timeout))
                    .set_response_timeout(Some(self.timeout));
                let connection = self
                    .client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await
                    .map_err(store_error)?;
                *self.lock() = Some(connection.clone());
                connection
            }
        };
        command.query_async(&mut connection).await.map_err(|e| {
            *self.lock() = None;
            store_error(e)
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<MultiplexedConnection>> {
        // Only an `Option` of a cloneable handle is behind the lock: never half-updated.
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// A transaction id as the core gives it: 64 lower-case hex digits.
fn check_id(transaction_id: &str) -> Result<(), Error> {
    let canonical = transaction_id.len() == 64
        && transaction_id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if canonical {
        Ok(())
    } else {
        Err(Error::InvalidParameter(
            "transaction id: 64 lower-case hex digits",
        ))
    }
}

/// What went wrong with the server, in words that do not change with its version.
fn store_error(e: RedisError) -> Error {
    Error::ReplayStore(if e.is_timeout() {
        "the redis server did not answer in time"
    } else if e.is_connection_refusal() {
        "the redis server refused the connection"
    } else if e.is_io_error() || e.is_connection_dropped() {
        "the redis server is unreachable"
    } else if e.kind() == redis::ErrorKind::AuthenticationFailed {
        "redis authentication failed"
    } else {
        "the redis server refused the command"
    })
}

/// [`RedisReplayStore`] behind a blocking interface, with a runtime thread of its own:
/// the [`ReplayGuard`] for [`Keyring::decrypt_once`](applepay_crypto::Keyring::decrypt_once).
///
/// Share one between threads (it is `Sync`; the connection is multiplexed). Do not call
/// it from inside an async runtime (tokio panics); use [`RedisReplayStore`] there.
#[derive(Debug)]
pub struct BlockingRedisReplayStore {
    store: RedisReplayStore,
    runtime: tokio::runtime::Runtime,
}

impl BlockingRedisReplayStore {
    /// [`RedisReplayStore::open`], with a runtime to run it on.
    ///
    /// Errors: [`Error::InvalidParameter`] when the URL does not parse;
    /// [`Error::ReplayStore`] when the runtime thread cannot be started.
    pub fn open(url: &str) -> Result<Self, Error> {
        Self::new(RedisReplayStore::open(url)?)
    }

    /// Wraps a configured store (key prefix, timeout) with a runtime to run it on.
    ///
    /// Errors: [`Error::ReplayStore`] when the runtime thread cannot be started.
    pub fn new(store: RedisReplayStore) -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("applepay-replay-redis")
            .enable_all()
            .build()
            .map_err(|_| Error::ReplayStore("cannot start the redis client's runtime"))?;
        Ok(Self { store, runtime })
    }

    /// The async store inside.
    #[must_use]
    pub fn store(&self) -> &RedisReplayStore {
        &self.store
    }
}

impl ReplayGuard for BlockingRedisReplayStore {
    fn check_and_record(
        &self,
        transaction_id: &str,
        now: UnixTime,
        forget_at: UnixTime,
    ) -> Result<(), Error> {
        self.runtime
            .block_on(self.store.check_and_record(transaction_id, now, forget_at))
    }

    fn release(&self, transaction_id: &str) -> Result<(), Error> {
        self.runtime.block_on(self.store.release(transaction_id))
    }
}
