use mvx_macros::mvx_sync;

#[mvx_sync(data())]
fn f(buf: &mut [u8]) {
    buf[0] = 1;
}

#[mvx_sync(data)]
fn g(buf: &mut [u8]) {
    buf[0] = 1;
}

fn main() {
    f(&mut [0]);
    g(&mut [0]);
}
