use mvx_macros::mvx_sync;

#[mvx_sync(ret)]
const fn seed() -> u64 {
    1
}

fn main() {
    seed();
}
