//! Every supported use, compiled and run as a program (without mvx: a pass-through).

use mvx_macros::{mvx_sync, mvx_sync_block};

#[mvx_sync(data(buf, buf.len()))]
fn fill(buf: &mut [u8], byte: u8) -> std::io::Result<usize> {
    if buf.is_empty() {
        return Ok(0);
    }
    let n: u8 = "3".parse().map_err(std::io::Error::other)?;
    buf.fill(byte + n);
    Ok(buf.len())
}

#[mvx_sync(ret)]
pub(crate) fn ticks() -> (u64, u32) {
    (7, 9)
}

struct Gen {
    state: [u64; 2],
}

impl Gen {
    #[inline]
    #[mvx_sync(data(self.state, 2))]
    fn step(&mut self) {
        self.state[0] += 1;
        self.state[1] = self.state[0] * 2;
    }
}

trait Clock {
    #[mvx_sync(ret)]
    fn now(&self) -> u64 {
        42
    }
}

impl Clock for Gen {}

fn main() {
    let mut buf = vec![0u8; 3];
    assert_eq!(fill(&mut buf, 1).unwrap(), 3);
    assert_eq!(buf, [4, 4, 4]);
    assert_eq!(ticks(), (7, 9));

    let mut g = Gen { state: [0; 2] };
    g.step();
    assert_eq!(g.state, [1, 2]);
    assert_eq!(g.now(), 42);

    let mut words = [0u32; 2];
    let sum = mvx_sync_block!(data(words, 2) => {
        words = [1, 2];
        words[0] + words[1]
    });
    assert_eq!((sum, words), (3, [1, 2]));
    let pid = mvx_sync_block!(ret => -> u32 { std::process::id() });
    assert_eq!(pid, std::process::id());
}
