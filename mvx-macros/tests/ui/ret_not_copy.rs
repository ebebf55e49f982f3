use mvx_macros::mvx_sync;

#[mvx_sync(ret)]
fn name() -> String {
    "leader".to_string()
}

fn main() {
    name();
}
