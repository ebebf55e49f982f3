use mvx_macros::mvx_sync;

trait Source {
    #[mvx_sync(ret)]
    fn next(&mut self) -> u64;
}

fn main() {}
