use mvx_macros::mvx_sync;

#[mvx_sync]
fn f() -> u32 {
    1
}

#[mvx_sync("ret")]
fn g() -> u32 {
    1
}

fn main() {
    f();
    g();
}
