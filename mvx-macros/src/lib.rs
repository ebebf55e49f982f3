//! Macros that mark sync regions for the mvx in-variant runtime, `mvx_sync_runtime`.
//!
//! A sync region is a piece of code whose result differs between variants (random bytes, a
//! time, a pid): under mvx, the leader's result is published when the region closes and every
//! follower's result is overwritten with it. Without mvx the runtime passes everything through
//! and the code runs as if unannotated.
//!
//! - [`#[mvx_sync(data(buf, len))]`](macro@mvx_sync) on a function: after its body, the first
//!   `len` elements of `buf` are synced.
//! - [`#[mvx_sync(ret)]`](macro@mvx_sync) on a function: its return value is synced.
//! - [`mvx_sync_block!(data(buf, len) => { ... })`](mvx_sync_block) and
//!   [`mvx_sync_block!(ret => { ... })`](mvx_sync_block): the same for a block, as an
//!   expression.
//!
//! The expansions call `::mvx_sync_runtime`, so a crate that uses these macros must depend on
//! `mvx-sync-runtime` as well, under that name.
//!
//! # The region
//!
//! A region opens with `sync_op_before(ID)`, runs the body as an immediately invoked closure,
//! and closes with `sync_op_after(ID, ptr, bytes)` on the synced bytes; then the body's value
//! is returned. Because the body is a closure, an early `return` or a `?` in it leaves the
//! closure and still closes the region. `ID` is
//! `mvx_sync_runtime::site_id(file!(), line!(), column!())` of the attribute or macro call: the
//! same in every variant built from the same source tree (`file!()` is the path given to
//! rustc), whatever the optimisation level, and distinct between sites (except sites made by
//! one `macro_rules!` expansion, which share the place of its call, as `line!()` does).
//!
//! Regions nest: the runtime syncs only the outermost one, so a region whose body calls other
//! annotated functions is synced once, as a whole.
//!
//! Limits of the closure: the body cannot `.await` (so `async fn` is rejected), and a function
//! returning a reference that borrows from a `&mut` argument (`fn f(v: &mut [u8]) -> &mut u8`)
//! does not compile once annotated. A panic in the body leaves the region open (the runtime has
//! no way to abandon a region); under mvx every variant panics alike, so this only matters to a
//! program that catches the panic and goes on syncing.

mod expand;
mod parse;

use proc_macro::TokenStream;

/// Makes a function a sync region: `#[mvx_sync(data(BUF, LEN))]` or `#[mvx_sync(ret)]`.
///
/// # `data(BUF, LEN)`
///
/// After the body has run (whichever way it returned), the first `LEN` elements of `BUF` are
/// synced: followers get the leader's bytes. Both expressions are evaluated after the body, in
/// the function's scope (its arguments are in scope; a local of the body is not).
///
/// - `BUF` is anything `&mut BUF[..]` turns into a `&mut [T]` with `T: Copy`: a `&mut [T]`
///   argument, a `&mut Vec<T>`, an array or a `Vec<T>` (a mutable place). For a raw pointer,
///   write the slice yourself: `data(unsafe { std::slice::from_raw_parts_mut(ptr, n) }, n)`.
/// - `LEN` is a `usize` counting **elements** of `BUF` (bytes for a `u8` buffer). A `LEN` larger
///   than the buffer syncs the whole buffer, then panics.
///
/// # `ret`
///
/// The function's return value is synced: every variant returns the leader's value. The
/// return type must be `Copy` (its bytes are copied between processes); for a `Result<T, E>`
/// that means the whole `Result`, so both `T` and `E`. The type system rejects other types.
///
/// # Example
///
/// ```
/// use mvx_macros::mvx_sync;
///
/// /// Fills `buf` with bytes that differ between runs; under mvx, every variant gets the
/// /// leader's bytes.
/// #[mvx_sync(data(buf, buf.len()))]
/// fn fill_random(buf: &mut [u8]) -> std::io::Result<()> {
///     let seed = std::time::SystemTime::now()
///         .duration_since(std::time::UNIX_EPOCH)
///         .map_err(std::io::Error::other)?; // `?` still closes the region
///     for (i, b) in buf.iter_mut().enumerate() {
///         *b = (seed.subsec_nanos() >> (i % 4 * 8)) as u8;
///     }
///     Ok(())
/// }
///
/// /// The leader's process id, in every variant.
/// #[mvx_sync(ret)]
/// fn pid() -> u32 {
///     std::process::id()
/// }
///
/// let mut buf = [0u8; 8];
/// fill_random(&mut buf).unwrap();
/// assert_eq!(pid(), std::process::id()); // without mvx: a pass-through
/// ```
///
/// # Errors
///
/// A compile error names what was expected for an unknown mode (`#[mvx_sync(foo)]`), missing or
/// extra arguments (`data()`, `data(buf)`, `data(a, b, c)`, `ret(x)`, `ret, data(a, b)`), an
/// item that is not a function, a function without a body, an `async fn`, a `const fn`, a
/// function returning `!`, and `ret` on a function returning `()`.
#[proc_macro_attribute]
pub fn mvx_sync(attr: TokenStream, item: TokenStream) -> TokenStream {
    let expansion = syn::parse::<parse::AttrArgs>(attr)
        .and_then(|args| expand::attribute(args.mode, item.clone().into()));
    match expansion {
        Ok(tokens) => tokens.into(),
        // The error, and the item as it was, so that uses of the item add no errors of their
        // own.
        Err(error) => {
            let mut tokens = TokenStream::from(error.to_compile_error());
            tokens.extend(item);
            tokens
        }
    }
}

/// Makes a block a sync region, as an expression whose value is the block's:
/// `mvx_sync_block!(data(BUF, LEN) => { ... })` or `mvx_sync_block!(ret => { ... })`.
///
/// The modes are those of [`#[mvx_sync]`](macro@mvx_sync); `BUF` and `LEN` are evaluated after
/// the block, in the scope around the macro call. (Attributes on blocks and expressions are
/// unstable, hence a function-like macro; and it cannot share the name `mvx_sync`, which a
/// crate may give to one macro only.)
///
/// The block runs as a closure: a `return` or a `?` in it leaves the block with that value,
/// not the enclosing function. When the block's type cannot be inferred (a `?` often leaves
/// the error type open), give it after the arrow, as for a closure:
/// `mvx_sync_block!(ret => -> Result<u64, MyError> { ... })`.
///
/// The site id is that of the macro call; all calls made by one `macro_rules!` expansion share
/// the line and column of that expansion's call (as `line!()` does), hence its id.
///
/// # Example
///
/// ```
/// use mvx_macros::mvx_sync_block;
///
/// let mut nonce = [0u8; 16];
/// let stamp = mvx_sync_block!(data(nonce, 16) => {
///     let now = std::time::SystemTime::now();
///     for (i, b) in nonce.iter_mut().enumerate() {
///         *b = (std::process::id() as usize + i) as u8;
///     }
///     now
/// });
/// assert!(stamp <= std::time::SystemTime::now());
///
/// let pid = mvx_sync_block!(ret => { std::process::id() });
/// assert_eq!(pid, std::process::id());
///
/// // `?` leaves the block with `None`; `ret` needs the whole `Option<u16>` to be `Copy`.
/// let port = mvx_sync_block!(ret => -> Option<u16> {
///     let port: u16 = "8080".parse().ok()?;
///     Some(port + 1)
/// });
/// assert_eq!(port, Some(8081));
/// ```
#[proc_macro]
pub fn mvx_sync_block(input: TokenStream) -> TokenStream {
    match syn::parse::<parse::BlockArgs>(input) {
        Ok(args) => expand::block(args.mode, args.ret_ty, args.block).into(),
        Err(error) => error.to_compile_error().into(),
    }
}
