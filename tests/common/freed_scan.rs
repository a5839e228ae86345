//! A global allocator that scans every block before it goes back to the system allocator
//! for registered byte strings ("needles") and counts, per needle, the freed blocks that
//! hold it: on `dealloc`, and on `realloc`, which while armed always moves the block so
//! the old one is scanned too.
//!
//! Shared by the freed-memory tests. Each declares its own allocator from this type:
//!
//! ```ignore
//! #[path = "common/freed_scan.rs"]
//! mod freed_scan;
//!
//! #[global_allocator]
//! static GLOBAL: freed_scan::Scanning = freed_scan::Scanning;
//! ```
//!
//! and runs in its own binary (`harness = false`, one thread) so that nothing else
//! allocates while the scan is armed.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};

/// How many needles can be registered at once.
pub const MAX_NEEDLES: usize = 8;
/// The longest needle, in bytes.
pub const MAX_NEEDLE_LEN: usize = 64;

/// The byte strings looked for, in fixed storage: the allocator must not allocate.
struct Needles {
    bytes: [[u8; MAX_NEEDLE_LEN]; MAX_NEEDLES],
    lens: [usize; MAX_NEEDLES],
    count: usize,
}

static NEEDLES: Mutex<Needles> = Mutex::new(Needles {
    bytes: [[0; MAX_NEEDLE_LEN]; MAX_NEEDLES],
    lens: [0; MAX_NEEDLES],
    count: 0,
});
static ARMED: AtomicBool = AtomicBool::new(false);
static HITS: [AtomicUsize; MAX_NEEDLES] = [const { AtomicUsize::new(0) }; MAX_NEEDLES];

/// Counts, for each needle, the freed blocks that contain it.
fn scan(block: &[u8]) {
    // `try_lock`: never wait inside the allocator (the lock holder does not allocate).
    let Ok(needles) = NEEDLES.try_lock() else {
        return;
    };
    let stored = needles.bytes.iter().zip(&needles.lens).zip(&HITS);
    for ((bytes, &len), hits) in stored.take(needles.count) {
        let needle = &bytes[..len];
        if block.windows(len).any(|w| w == needle) {
            hits.fetch_add(1, SeqCst);
        }
    }
}

/// The scanning allocator: declare it as the binary's `#[global_allocator]`.
pub struct Scanning;

// SAFETY: allocation is forwarded to `System` unchanged. `dealloc` reads the block it is
// given (valid for `layout.size()` bytes until it is freed) before freeing it; `realloc`
// allocates a new block from `System`, copies the smaller of the two sizes, scans and
// frees the old block — what `GlobalAlloc::realloc`'s default does, plus the scan.
unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(SeqCst) {
            // SAFETY: `ptr` is a live block of `layout.size()` bytes until freed below.
            scan(unsafe { std::slice::from_raw_parts(ptr, layout.size()) });
        }
        // SAFETY: forwarded as received.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !ARMED.load(SeqCst) {
            // SAFETY: forwarded as received.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // SAFETY: the caller guarantees `new_size` is valid with `layout.align()`.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: `new_layout` has a non-zero size (the caller guarantees it).
        let new = unsafe { System.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks are live and at least `min` bytes long; they are distinct.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

/// Registers the needles (each 16 to [`MAX_NEEDLE_LEN`] bytes long, at most
/// [`MAX_NEEDLES`] of them) in this order, replacing any registered before.
pub fn set_needles(list: &[&[u8]]) {
    let mut needles = NEEDLES.lock().unwrap();
    assert!(list.len() <= MAX_NEEDLES, "{} needles", list.len());
    for (i, bytes) in list.iter().enumerate() {
        assert!(
            (16..=MAX_NEEDLE_LEN).contains(&bytes.len()),
            "needle {i} is {} bytes long",
            bytes.len()
        );
        needles.bytes[i][..bytes.len()].copy_from_slice(bytes);
        needles.lens[i] = bytes.len();
    }
    needles.count = list.len();
}

/// Clears the hit counts and starts scanning freed blocks.
pub fn arm() {
    for hits in &HITS {
        hits.store(0, SeqCst);
    }
    ARMED.store(true, SeqCst);
}

/// Stops scanning and returns, for each registered needle in order, how many freed blocks
/// held it since [`arm`].
pub fn disarm() -> Vec<usize> {
    ARMED.store(false, SeqCst);
    let count = NEEDLES.lock().unwrap().count;
    HITS.iter().take(count).map(|h| h.load(SeqCst)).collect()
}
