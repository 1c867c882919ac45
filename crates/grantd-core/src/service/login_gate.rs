//! One password check at a time per login (by its lower-case key, known or not) in this
//! process: a keyed async lock whose entries go away when no request holds or waits for them, so
//! its memory stays bounded by the logins being tried at the moment. Across instances the database's counted attempt is the bound;
//! this gate keeps one process from running many checks for one user at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::OwnedMutexGuard;

/// Entries kept before the first sweep of dead ones.
const MIN_SWEEP: usize = 64;

/// The per-user gates.
#[derive(Debug, Default)]
pub(super) struct LoginGates {
    inner: Mutex<Gates>,
}

#[derive(Debug, Default)]
struct Gates {
    /// A gate per user; an entry whose gate nobody holds any more is dead.
    by_user: HashMap<String, Weak<tokio::sync::Mutex<()>>>,
    /// The number of entries at which dead ones are swept next.
    sweep_at: usize,
}

/// A held gate: the user's other checks in this process wait until it is dropped.
#[derive(Debug)]
pub(super) struct Held {
    _guard: OwnedMutexGuard<()>,
}

impl LoginGates {
    /// Waits until no other check of the login `user` runs in this process, and holds its gate.
    pub(super) async fn enter(&self, user: String) -> Held {
        let gate = self.gate_of(user);
        Held {
            _guard: gate.lock_owned().await,
        }
    }

    /// The gate of `user`, made if nobody holds one. Dead entries are swept whenever the map has
    /// doubled since the last sweep, so each call costs O(1) amortised and the map holds at most
    /// about twice the gates in use.
    fn gate_of(&self, user: String) -> Arc<tokio::sync::Mutex<()>> {
        let mut gates = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(gate) = gates.by_user.get(&user).and_then(Weak::upgrade) {
            return gate;
        }
        let gate = Arc::new(tokio::sync::Mutex::new(()));
        gates.by_user.insert(user, Arc::downgrade(&gate));
        if gates.by_user.len() >= gates.sweep_at.max(MIN_SWEEP) {
            gates.by_user.retain(|_, g| g.strong_count() > 0);
            gates.sweep_at = gates.by_user.len() * 2;
        }
        gate
    }

    /// Entries in the map, dead ones included (for tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner.lock().map(|g| g.by_user.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_second_check_of_one_user_waits_for_the_first() {
        let gates = Arc::new(LoginGates::default());
        let first = gates.enter("one".to_owned()).await;
        let other_user = tokio::time::timeout(Duration::from_secs(5), gates.enter("two".to_owned())).await;
        assert!(other_user.is_ok(), "other users do not wait");
        let waiting = tokio::spawn({
            let gates = Arc::clone(&gates);
            async move { gates.enter("one".to_owned()).await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        drop(first);
        let second = tokio::time::timeout(Duration::from_secs(5), waiting).await;
        assert!(
            matches!(second, Ok(Ok(_))),
            "the second check runs once the first is done"
        );
    }

    #[tokio::test]
    async fn unused_gates_go_away() {
        let gates = LoginGates::default();
        for id in 0..10_000 {
            drop(gates.enter(id.to_string()).await);
        }
        assert!(gates.len() <= 2 * MIN_SWEEP, "{} entries kept", gates.len());
        let held: Vec<_> = futures_held(&gates, 200).await;
        for id in 10_000..20_000 {
            drop(gates.enter(id.to_string()).await);
        }
        assert!(
            gates.len() <= 2 * (held.len() + MIN_SWEEP),
            "{} entries kept",
            gates.len()
        );
    }

    async fn futures_held(gates: &LoginGates, n: i64) -> Vec<Held> {
        let mut held = Vec::new();
        for id in 0..n {
            held.push(gates.enter((100_000 + id).to_string()).await);
        }
        held
    }
}
