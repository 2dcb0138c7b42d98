//! The global allocator of the binary and the benches: mimalloc, asked for plain blocks where
//! they are aligned enough.
//!
//! The `mimalloc` crate passes every allocation through `mi_malloc_aligned`, whose extra checks
//! cost 3% of a template run's instructions (callgrind, docs/decisions/allocator.md). mimalloc's
//! plain blocks are aligned to a machine word at least, which is all most Rust values need.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

/// The alignment every block of `mi_malloc` has, whatever its size (its smallest size class is
/// one word, and every class is a whole number of words).
const WORD: usize = std::mem::size_of::<usize>();

pub struct Allocator;

// SAFETY: each call passes the layout's size (and, above a word, its alignment) to mimalloc,
// which returns null or a block of at least that size and alignment; blocks are freed and
// reallocated by mimalloc, which finds their size itself.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe {
            match layout.align() <= WORD {
                true => libmimalloc_sys::mi_malloc(layout.size()),
                false => libmimalloc_sys::mi_malloc_aligned(layout.size(), layout.align()),
            }
            .cast()
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe {
            match layout.align() <= WORD {
                true => libmimalloc_sys::mi_zalloc(layout.size()),
                false => libmimalloc_sys::mi_zalloc_aligned(layout.size(), layout.align()),
            }
            .cast()
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        unsafe { libmimalloc_sys::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe {
            let ptr = ptr.cast::<c_void>();
            match layout.align() <= WORD {
                true => libmimalloc_sys::mi_realloc(ptr, new_size),
                false => libmimalloc_sys::mi_realloc_aligned(ptr, new_size, layout.align()),
            }
            .cast()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every size from 1 to 4 KB at every alignment up to 4 KB: aligned, writable, and kept
    /// through a reallocation.
    #[test]
    fn blocks_have_the_layouts_alignment() {
        let allocator = Allocator;
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in (1..=4096).step_by(7) {
                let layout = Layout::from_size_align(size, align).unwrap();
                unsafe {
                    let block = allocator.alloc(layout);
                    assert!(!block.is_null());
                    assert_eq!(block as usize % align, 0, "size {size}, align {align}");
                    block.write_bytes(0xA5, size);
                    let zeroed = allocator.alloc_zeroed(layout);
                    assert_eq!(zeroed as usize % align, 0);
                    assert!(
                        std::slice::from_raw_parts(zeroed, size)
                            .iter()
                            .all(|&b| b == 0)
                    );
                    allocator.dealloc(zeroed, layout);
                    let grown = allocator.realloc(block, layout, size * 3);
                    assert_eq!(grown as usize % align, 0, "realloc {size}, align {align}");
                    assert!(
                        std::slice::from_raw_parts(grown, size)
                            .iter()
                            .all(|&b| b == 0xA5)
                    );
                    allocator.dealloc(grown, Layout::from_size_align(size * 3, align).unwrap());
                }
            }
        }
    }
}
