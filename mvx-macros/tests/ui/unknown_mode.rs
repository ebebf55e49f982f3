use mvx_macros::mvx_sync;

#[mvx_sync(foo)]
fn f() {}

fn main() {
    f();
}
