//! A file's text, as the estate holds it. Most of a large estate's memory is the text of its
//! task definition files, each parsed again when its task definitions are evaluated; once they
//! are, a JSON report needs nothing of it, and a SARIF report only its fixes. So such a text may
//! be released, and is read again from its file if a report asks for it after all (a code frame,
//! a fix): the same text, or none when the file changed since.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Reads a file's text again as its source first read it (BOM removed), `None` when it cannot.
/// Given by the source that read the file: the model does no IO.
pub type ReadAgain = Arc<dyn Fn() -> Option<String> + Send + Sync>;

pub struct FileText {
    state: Mutex<State>,
    again: Option<ReadAgain>,
    /// Tells this text from any other in the process, for the last one read again.
    id: u64,
}

enum State {
    Held(Arc<String>),
    /// Released: what the text read again must be to be the same one.
    Released {
        len: usize,
        hash: u64,
    },
}

impl FileText {
    pub fn new(text: String) -> FileText {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        FileText {
            state: Mutex::new(State::Held(Arc::new(text))),
            again: None,
            id: NEXT.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Allows releasing the text: `again` reads it back.
    pub fn read_again_with(&mut self, again: ReadAgain) {
        self.again = Some(again);
    }

    /// The text: the one held, else read again from the file; empty when the file no longer
    /// holds the same text (its findings are then shown without their code).
    pub fn get(&self) -> Arc<String> {
        let (len, hash) = match &*self.lock() {
            State::Held(text) => return Arc::clone(text),
            State::Released { len, hash } => (*len, *hash),
        };
        // A report asks for each of a file's findings in turn: the file is read once.
        thread_local! {
            static LAST: std::cell::RefCell<Option<(u64, Arc<String>)>> = const {
                std::cell::RefCell::new(None)
            };
        }
        if let Some(text) = LAST.with_borrow(|last| {
            last.as_ref()
                .filter(|(id, _)| *id == self.id)
                .map(|(_, text)| Arc::clone(text))
        }) {
            return text;
        }
        let same = self.again.as_ref().and_then(|again| again());
        let same = same.filter(|text| text.len() == len && digest(text) == hash);
        let text = Arc::new(same.unwrap_or_default());
        LAST.set(Some((self.id, Arc::clone(&text))));
        text
    }

    /// Releases the text when it can be read again (whether it is released now); readers
    /// holding it keep their copy.
    pub fn release(&self) -> bool {
        if self.again.is_none() {
            return false;
        }
        let mut state = self.lock();
        if let State::Held(text) = &*state {
            *state = State::Released {
                len: text.len(),
                hash: digest(text),
            };
        }
        true
    }

    pub fn is_held(&self) -> bool {
        matches!(*self.lock(), State::Held(_))
    }

    /// The text, taken out (a copy only when a reader still holds it).
    pub fn into_string(self) -> String {
        let text = self.get();
        drop(self);
        Arc::try_unwrap(text).unwrap_or_else(|text| String::clone(&text))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl std::fmt::Debug for FileText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.lock() {
            State::Held(text) => write!(f, "{} bytes", text.len()),
            State::Released { len, .. } => write!(f, "{len} bytes, released"),
        }
    }
}

/// A text's identity for reading it again: not a defence against anyone, only against a file
/// edited while the run was reading it.
fn digest(text: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0x5be0_cd19_137e_2179).hash_one(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn releasable(text: &str, on_disk: &'static str) -> FileText {
        let mut held = FileText::new(text.to_string());
        held.read_again_with(Arc::new(move || Some(on_disk.to_string())));
        held
    }

    #[test]
    fn a_released_text_is_read_again_when_the_file_is_unchanged() {
        let text = releasable("{\"family\": \"web\"}", "{\"family\": \"web\"}");
        let before = text.get();
        assert!(text.release());
        assert!(!text.is_held());
        assert_eq!(*text.get(), *before);
        assert_eq!(text.into_string(), "{\"family\": \"web\"}");
    }

    #[test]
    fn a_released_text_whose_file_changed_is_empty() {
        let text = releasable("{\"family\": \"web\"}", "{\"family\": \"api\"}");
        text.release();
        assert_eq!(*text.get(), "");
    }

    #[test]
    fn a_text_that_cannot_be_read_again_is_kept() {
        let text = FileText::new("[]".to_string());
        assert!(!text.release());
        assert!(text.is_held());
        assert_eq!(*text.get(), "[]");
    }
}
