use mvx_macros::mvx_sync;

#[mvx_sync(ret)]
struct Seed {
    value: u64,
}

#[mvx_sync(data(buf, 1))]
const SEED: u64 = 4;

fn main() {
    let _ = Seed { value: SEED }.value;
}
