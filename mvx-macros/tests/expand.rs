//! The expansions behave like the unannotated code when run without mvx (the runtime passes
//! through): values come back unchanged, early `return` and `?` paths work, regions nest.

use mvx_macros::{mvx_sync, mvx_sync_block};
use std::num::ParseIntError;

#[mvx_sync(data(buf, buf.len()))]
fn fill(buf: &mut [u8], byte: u8) {
    for b in buf.iter_mut() {
        *b = byte;
    }
}

#[test]
fn data_keeps_the_bytes() {
    let mut buf = [0u8; 5];
    fill(&mut buf, 7);
    assert_eq!(buf, [7; 5]);
}

/// Early returns from several places; the buffer is synced after each.
#[mvx_sync(data(out, out.len()))]
fn classify(out: &mut [u8], n: i32) -> &'static str {
    out[0] = 1;
    if n < 0 {
        return "negative";
    }
    out[1] = 2;
    if n == 0 {
        return "zero";
    }
    out[2] = 3;
    "positive"
}

#[test]
fn early_returns_give_their_value() {
    let mut out = [0u8; 3];
    assert_eq!(classify(&mut out, -4), "negative");
    assert_eq!(out, [1, 0, 0]);
    let mut out = [0u8; 3];
    assert_eq!(classify(&mut out, 0), "zero");
    assert_eq!(out, [1, 2, 0]);
    let mut out = [0u8; 3];
    assert_eq!(classify(&mut out, 9), "positive");
    assert_eq!(out, [1, 2, 3]);
}

/// `?` converts the error as in the unannotated function (`ParseIntError` into
/// `Box<dyn Error>`), and the region still closes.
#[mvx_sync(data(digits, 4))]
fn parse_into(digits: &mut [u16; 4], text: &str) -> Result<usize, Box<dyn std::error::Error>> {
    let mut n = 0;
    for (slot, word) in digits.iter_mut().zip(text.split(',')) {
        *slot = word.trim().parse()?;
        n += 1;
    }
    Ok(n)
}

#[test]
fn question_mark_converts_and_returns() {
    let mut digits = [0u16; 4];
    assert_eq!(parse_into(&mut digits, "1, 2,3").unwrap(), 3);
    assert_eq!(digits, [1, 2, 3, 0]);
    let mut digits = [0u16; 4];
    let err = parse_into(&mut digits, "5,x,6").unwrap_err();
    assert!(err.is::<ParseIntError>());
    assert_eq!(digits, [5, 0, 0, 0]);
}

#[mvx_sync(ret)]
fn roll(sides: u32) -> u32 {
    if sides == 0 {
        return 0;
    }
    sides / 2 + 1
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Reading {
    micros: u64,
    sensor: u8,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum ReadError {
    Offline,
}

#[mvx_sync(ret)]
fn read(sensor: u8) -> Result<Reading, ReadError> {
    let checked = if sensor > 3 {
        Err(ReadError::Offline)
    } else {
        Ok(sensor)
    };
    let sensor = checked?;
    Ok(Reading {
        micros: 1_000 * sensor as u64,
        sensor,
    })
}

#[test]
fn ret_returns_the_value() {
    assert_eq!(roll(0), 0);
    assert_eq!(roll(6), 4);
    assert_eq!(
        read(2),
        Ok(Reading {
            micros: 2_000,
            sensor: 2
        })
    );
    assert_eq!(read(9), Err(ReadError::Offline));
}

/// Nested regions: only the outermost syncs; the values are those of plain calls.
#[mvx_sync(data(buf, buf.len()))]
fn outer(buf: &mut [u8]) -> u32 {
    fill(&mut buf[..2], 9);
    let inner = roll(10);
    let mut tail = [0u8; 2];
    let n = mvx_sync_block!(data(tail, 2) => {
        fill(&mut tail, 4);
        tail.len()
    });
    buf[2..2 + n].copy_from_slice(&tail);
    inner
}

#[test]
fn nested_regions() {
    let mut buf = [0u8; 5];
    assert_eq!(outer(&mut buf), 6);
    assert_eq!(buf, [9, 9, 4, 4, 0]);
    // After nested regions the next one behaves the same: the depth went back to zero.
    let mut again = [0u8; 5];
    assert_eq!(outer(&mut again), 6);
    assert_eq!(again, buf);
}

struct Pool {
    words: Vec<u32>,
    served: usize,
}

impl Pool {
    /// A field as the buffer, elements wider than a byte, `&mut self` captured by the body.
    #[mvx_sync(data(self.words, self.words.len()))]
    fn refill(&mut self, base: u32) -> usize {
        for (i, w) in self.words.iter_mut().enumerate() {
            *w = base + i as u32;
        }
        self.served += 1;
        self.served
    }

    #[mvx_sync(ret)]
    fn served(&self) -> usize {
        self.served
    }

    /// By value, generic, `impl Trait` argument and return.
    #[mvx_sync(ret)]
    fn sum_with(self, extra: impl IntoIterator<Item = u32>) -> impl Copy + Into<u64> {
        self.words.iter().copied().chain(extra).sum::<u32>()
    }
}

#[test]
fn methods_fields_and_impl_trait() {
    let mut pool = Pool {
        words: vec![0; 3],
        served: 0,
    };
    assert_eq!(pool.refill(10), 1);
    assert_eq!(pool.words, [10, 11, 12]);
    assert_eq!(pool.served(), 1);
    let total: u64 = pool.sum_with([1, 2]).into();
    assert_eq!(total, 36);
}

#[mvx_sync(data(values, count))]
fn generic_fill<T: Copy + Default, const N: usize>(values: &mut [T; N], count: usize, v: T) {
    for slot in values.iter_mut().take(count) {
        *slot = v;
    }
}

#[test]
fn generic_functions() {
    let mut values = [0i64; 4];
    generic_fill(&mut values, 2, -3);
    assert_eq!(values, [-3, -3, 0, 0]);
}

/// An `unsafe fn` keeps its unsafe body; a raw pointer becomes a slice at the call site.
#[mvx_sync(data(unsafe { std::slice::from_raw_parts_mut(ptr, len) }, len))]
unsafe fn fill_raw(ptr: *mut u8, len: usize) {
    for i in 0..len {
        *ptr.add(i) = i as u8;
    }
}

#[test]
fn unsafe_fn_and_raw_pointer() {
    let mut buf = [9u8; 4];
    unsafe { fill_raw(buf.as_mut_ptr(), 3) };
    assert_eq!(buf, [0, 1, 2, 9]);
}

#[mvx_sync(data(buf, len))]
fn too_long(buf: &mut [u8], len: usize) {
    buf.fill(1);
}

#[test]
#[should_panic(expected = "mvx_sync: data length 9 exceeds the buffer's 4 elements")]
fn data_longer_than_the_buffer_panics() {
    too_long(&mut [0u8; 4], 9);
}

#[test]
fn block_data_on_arrays_and_vecs() {
    let mut array = [0u8; 4];
    let first = mvx_sync_block!(data(array, 4) => {
        array.copy_from_slice(b"mvx!");
        array[0]
    });
    assert_eq!((first, &array), (b'm', b"mvx!"));

    let mut words = vec![0u32; 3];
    mvx_sync_block!(data(words, words.len()) => {
        words.iter_mut().for_each(|w| *w = 0xdead_beef);
    });
    assert_eq!(words, [0xdead_beef; 3]);
}

#[test]
fn block_return_leaves_the_block() {
    let mut buf = [0u8; 2];
    let which = mvx_sync_block!(data(buf, 2) => {
        buf[0] = 1;
        if buf[0] == 1 {
            return "early";
        }
        buf[1] = 1;
        "late"
    });
    assert_eq!(which, "early");
    assert_eq!(buf, [1, 0]);
}

/// A `Copy` error, so that the whole `Result` is `Copy`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct BadInput;

impl From<ParseIntError> for BadInput {
    fn from(_: ParseIntError) -> Self {
        BadInput
    }
}

fn parse_pair(text: &str) -> Result<(u8, u8), BadInput> {
    let pair = mvx_sync_block!(ret => -> Result<(u8, u8), BadInput> {
        let (a, b) = text.split_once(':').unwrap_or((text, "0"));
        Ok((a.parse()?, b.parse()?))
    });
    // The enclosing function goes on after the block, whatever the block returned.
    let (a, b) = pair?;
    Ok((a, b))
}

#[test]
fn block_ret_with_question_mark() {
    assert_eq!(parse_pair("3:4"), Ok((3, 4)));
    assert_eq!(parse_pair("7"), Ok((7, 0)));
    assert_eq!(parse_pair("x:4"), Err(BadInput));
    assert_eq!(mvx_sync_block!(ret => { 6 * 7 }), 42);
}

/// Two regions on one line are two sites; both run.
#[test]
fn two_blocks_on_one_line() {
    let (a, b) = (
        mvx_sync_block!(ret => { 1u8 }),
        mvx_sync_block!(ret => { 2u8 }),
    );
    assert_eq!((a, b), (1, 2));
}

// The site id is `site_id(file!(), line!(), column!())` of the attribute or macro call. The
// tests read it through the expansion's constant `__MVX_SITE`, which is no public API.

#[mvx_sync(ret)]
fn attribute_site() -> u64 {
    __MVX_SITE
}
const ATTRIBUTE_LINE: u32 = line!() - 4;

#[test]
fn site_ids_are_the_places_of_the_calls() {
    use mvx_sync_runtime::site_id;
    assert_eq!(attribute_site(), site_id(file!(), ATTRIBUTE_LINE, 1));
    let block = mvx_sync_block!(ret => { __MVX_SITE });
    assert_eq!(block, site_id(file!(), line!() - 1, 17));
    let (a, b) = (
        mvx_sync_block!(ret => { __MVX_SITE }),
        mvx_sync_block!(ret => { __MVX_SITE }),
    );
    assert_ne!(a, b);
    assert_ne!(a, block);
}
