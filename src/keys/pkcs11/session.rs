//! Sessions shared safely between threads.
//!
//! A PKCS#11 session must not be used by two threads at once (`cryptoki::session::Session`
//! is `Send` but not `Sync`), while a login belongs to the application and the token, not
//! to one session: it lasts while any session of the application with that token is open.
//! So a key keeps one session open for its whole life (the login), and each operation
//! borrows an idle session from a pool, or opens one, and gives it back afterwards. Under
//! `N` threads at most `N` sessions are open.

use alloc::vec::Vec;
use std::sync::{Mutex, PoisonError};

use cryptoki::context::Pkcs11;
use cryptoki::session::Session;
use cryptoki::slot::Slot;

use super::fail;
use crate::error::Error;

/// The sessions of one key: the login session and a pool of idle ones.
pub(super) struct SessionPool {
    context: Pkcs11,
    slot: Slot,
    /// Keeps the token logged in; never used for operations.
    _login: Mutex<Session>,
    idle: Mutex<Vec<Session>>,
}

impl SessionPool {
    /// A pool for `slot` whose login is held by `login` (already logged in, or a token that
    /// needs no login).
    pub(super) fn new(context: Pkcs11, slot: Slot, login: Session) -> Self {
        Self {
            context,
            slot,
            _login: Mutex::new(login),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `f` with a session no other thread is using.
    ///
    /// A session on which `f` failed is closed rather than pooled: a failed multi-part
    /// operation (digest, sign) may have left it busy.
    pub(super) fn with<R>(&self, f: impl FnOnce(&Session) -> Result<R, Error>) -> Result<R, Error> {
        let pooled = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let session = match pooled {
            Some(session) => session,
            None => self
                .context
                .open_ro_session(self.slot)
                .map_err(|e| fail("C_OpenSession", &e))?,
        };
        let result = f(&session);
        if result.is_ok() {
            self.idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(session);
        }
        result
    }
}
