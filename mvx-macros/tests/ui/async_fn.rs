use mvx_macros::mvx_sync;

#[mvx_sync(ret)]
async fn fetch() -> u64 {
    1
}

fn main() {
    let _ = fetch();
}
