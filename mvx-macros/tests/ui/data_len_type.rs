use mvx_macros::mvx_sync;

#[mvx_sync(data(buf, n))]
fn fill(buf: &mut [u8], n: u32) {
    buf[0] = n as u8;
}

fn main() {
    fill(&mut [0], 1);
}
