use mvx_macros::mvx_sync;

#[mvx_sync(ret, data(buf, 1))]
fn f(buf: &mut [u8]) -> u8 {
    buf[0]
}

#[mvx_sync(data(buf, 1) extra)]
fn g(buf: &mut [u8]) {
    buf[0] = 1;
}

fn main() {
    f(&mut [0]);
    g(&mut [0]);
}
