use mvx_macros::mvx_sync;

#[mvx_sync(ret)]
fn f(buf: &mut [u8]) {
    buf[0] = 1;
}

fn main() {
    f(&mut [0]);
}
