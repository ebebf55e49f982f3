use mvx_macros::mvx_sync_block;

fn main() {
    let mut buf = [0u8; 4];
    // No arrow.
    mvx_sync_block!(ret { 1 });
    // No block.
    mvx_sync_block!(data(buf, 4) =>);
    // Not a block.
    mvx_sync_block!(ret => 1 + 1);
    // Something after the block.
    mvx_sync_block!(ret => { 1 } extra);
    // No mode.
    mvx_sync_block!(=> { 1 });
    // An unknown mode.
    mvx_sync_block!(value => { 1 });
    // `data` without its length.
    mvx_sync_block!(data(buf) => { buf[0] = 1 });
}
