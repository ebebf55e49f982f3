use mvx_macros::mvx_sync_block;

fn main() {
    let mut buf = [0u8; 1];
    // `?` leaves the block, whose error type is then unknown: it must be given, as in
    // `mvx_sync_block!(data(buf, 1) => -> Result<(), std::num::ParseIntError> { ... })`.
    let parsed = mvx_sync_block!(data(buf, 1) => {
        buf[0] = "1".parse()?;
        Ok(())
    });
    parsed.unwrap();
}
