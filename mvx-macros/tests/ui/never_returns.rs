use mvx_macros::mvx_sync;

#[mvx_sync(data(buf, 1))]
fn spin(buf: &mut [u8]) -> ! {
    loop {
        buf[0] = buf[0].wrapping_add(1);
    }
}

fn main() {
    let _ = spin;
}
