use mvx_macros::mvx_sync;

#[mvx_sync(ret(u32))]
fn f() -> u32 {
    1
}

fn main() {
    f();
}
