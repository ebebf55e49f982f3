//! The expansions: a sync region around a function body or a block.

use crate::parse::Mode;
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Block, Error, Item, ItemFn, ReturnType, TraitItemFn, Type};

/// `#[mvx_sync(mode)]` on `item`.
pub fn attribute(mode: Mode, item: TokenStream) -> syn::Result<TokenStream> {
    let function = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Fn(function)) => function,
        Ok(other) => {
            if let Ok(declaration) = syn::parse2::<TraitItemFn>(item) {
                return Err(Error::new_spanned(
                    &declaration.sig,
                    "`#[mvx_sync]` wraps a function body, and this function has none",
                ));
            }
            return Err(Error::new_spanned(
                head_of(&other),
                "`#[mvx_sync]` can only be applied to a function; for a block use \
                 `mvx_sync_block!(data(buf, len) => { ... })` or `mvx_sync_block!(ret => { ... })`",
            ));
        }
        Err(_) => {
            return Err(Error::new_spanned(
                item,
                "`#[mvx_sync]` can only be applied to a function",
            ))
        }
    };
    check_signature(&function, &mode)?;
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = function;
    // The body's closure is annotated with the function's return type, so that `?` converts
    // errors as it would in the function; `impl Trait` cannot be written there, so such a
    // return type is left to inference.
    let (ret_ty, copy_span) = match &sig.output {
        ReturnType::Default => (Some(quote!(())), sig.span()),
        ReturnType::Type(_, ty) if mentions_impl(ty.to_token_stream()) => (None, ty.span()),
        ReturnType::Type(_, ty) => (Some(ty.to_token_stream()), ty.span()),
    };
    let region = region(&mode, ret_ty, copy_span, &block);
    Ok(quote! {
        #(#attrs)*
        #vis #sig {
            #region
        }
    })
}

fn check_signature(function: &ItemFn, mode: &Mode) -> syn::Result<()> {
    let sig = &function.sig;
    if let Some(asyncness) = &sig.asyncness {
        return Err(Error::new_spanned(
            asyncness,
            "`#[mvx_sync]` does not support `async fn`: a sync region cannot span an `.await`; \
             wrap the synchronous part of the body in `mvx_sync_block!` instead",
        ));
    }
    if let Some(constness) = &sig.constness {
        return Err(Error::new_spanned(
            constness,
            "`#[mvx_sync]` cannot be applied to a `const fn`: syncing happens at run time",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        return Err(Error::new_spanned(
            variadic,
            "`#[mvx_sync]` does not support variadic functions",
        ));
    }
    match (&sig.output, mode) {
        (ReturnType::Type(_, ty), _) if matches!(**ty, Type::Never(_)) => Err(Error::new_spanned(
            ty,
            "`#[mvx_sync]` needs a function that returns: the region closes after the body",
        )),
        (ReturnType::Default, Mode::Ret) => Err(Error::new_spanned(
            &sig.ident,
            "`#[mvx_sync(ret)]` on a function that returns nothing: there is no value to sync; \
             use `data(buf, len)` to sync a buffer",
        )),
        _ => Ok(()),
    }
}

/// The first tokens of a non-function item (its keyword and name), to point an error at.
fn head_of(item: &Item) -> TokenStream {
    macro_rules! head {
        ($i:expr, $kw:ident, $name:ident) => {{
            let (kw, name) = (&$i.$kw, &$i.$name);
            quote!(#kw #name)
        }};
    }
    match item {
        Item::Struct(i) => head!(i, struct_token, ident),
        Item::Enum(i) => head!(i, enum_token, ident),
        Item::Union(i) => head!(i, union_token, ident),
        Item::Const(i) => head!(i, const_token, ident),
        Item::Static(i) => head!(i, static_token, ident),
        Item::Mod(i) => head!(i, mod_token, ident),
        Item::Trait(i) => head!(i, trait_token, ident),
        Item::Type(i) => head!(i, type_token, ident),
        Item::Impl(i) => head!(i, impl_token, self_ty),
        Item::Use(i) => head!(i, use_token, tree),
        other => other.to_token_stream(),
    }
}

fn mentions_impl(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => ident == "impl",
        TokenTree::Group(group) => mentions_impl(group.stream()),
        _ => false,
    })
}

/// `mvx_sync_block!(mode => [-> ret_ty] block)`: an expression.
pub fn block(mode: Mode, ret_ty: Option<Type>, block: Block) -> TokenStream {
    let copy_span = ret_ty.as_ref().map_or_else(Span::call_site, |ty| ty.span());
    let region = region(
        &mode,
        ret_ty.map(|ty| ty.to_token_stream()),
        copy_span,
        &block,
    );
    quote!({ #region })
}

/// The statements of a region: open it, run `body` as an immediately invoked closure (so that
/// `return` and `?` leave the closure, never the region), close it on the synced bytes, give
/// the body's value. `ret_ty` annotates the closure; `copy_span` is where a "not `Copy`"
/// error of `ret` points.
fn region(mode: &Mode, ret_ty: Option<TokenStream>, copy_span: Span, body: &Block) -> TokenStream {
    // Locals of the expansion are hygienic: user code can neither see nor shadow them.
    let result = syn::Ident::new("__mvx_result", Span::mixed_site());
    let closure = match ret_ty {
        Some(ty) => quote!(|| -> #ty #body),
        None => quote!(|| #body),
    };
    let close = match mode {
        Mode::Data { buf, len } => close_data(&result, buf, len),
        Mode::Ret => close_ret(&result, copy_span),
    };
    quote! {
        // The site id: the place of the attribute or macro call, the same in every variant
        // whatever the optimisation level.
        const __MVX_SITE: u64 = ::mvx_sync_runtime::site_id(
            ::core::file!(),
            ::core::line!(),
            ::core::column!(),
        );
        ::mvx_sync_runtime::sync_op_before(__MVX_SITE);
        #[allow(clippy::redundant_closure_call)]
        let #result = (#closure)();
        #close
    }
}

fn close_data(result: &syn::Ident, buf: &syn::Expr, len: &syn::Expr) -> TokenStream {
    let count = syn::Ident::new("__mvx_count", Span::mixed_site());
    let ptr = syn::Ident::new("__mvx_ptr", Span::mixed_site());
    let avail = syn::Ident::new("__mvx_avail", Span::mixed_site());
    let size = syn::Ident::new("__mvx_size", Span::mixed_site());
    let synced = syn::Ident::new("__mvx_synced", Span::mixed_site());
    // `&mut buf[..]`: `buf` may be a `&mut [T]`, a `[T; N]` or a `Vec<T>` place alike.
    let raw = quote_spanned!(buf.span()=> __mvx_sync_raw(&mut (#buf)[..]));
    let count_expr = quote_spanned!(len.span()=> #len);
    quote! {
        #[diagnostic::on_unimplemented(
            message = "`mvx_sync(data(..))` syncs the bytes of the buffer's elements, so they \
                       must be `Copy`, and `{Self}` is not",
            label = "elements not `Copy`"
        )]
        trait __MvxSyncElem: ::core::marker::Copy {}
        impl<T: ::core::marker::Copy> __MvxSyncElem for T {}
        #[inline(always)]
        fn __mvx_sync_raw<T: __MvxSyncElem>(buf: &mut [T]) -> (*mut u8, usize, usize) {
            (
                buf.as_mut_ptr().cast::<u8>(),
                buf.len(),
                ::core::mem::size_of::<T>(),
            )
        }
        let #count: usize = #count_expr;
        let (#ptr, #avail, #size) = #raw;
        let #synced = if #count <= #avail { #count } else { #avail };
        // SAFETY: `ptr` points at `avail >= synced` initialised elements of a `Copy` type,
        // borrowed mutably for this call only.
        unsafe { ::mvx_sync_runtime::sync_op_after(__MVX_SITE, #ptr, #synced * #size) };
        if #count > #avail {
            ::core::panic!(
                "mvx_sync: data length {} exceeds the buffer's {} elements",
                #count,
                #avail,
            );
        }
        #result
    }
}

fn close_ret(result: &syn::Ident, copy_span: Span) -> TokenStream {
    let ptr = syn::Ident::new("__mvx_ptr", Span::mixed_site());
    let size = syn::Ident::new("__mvx_size", Span::mixed_site());
    // The synced copy is named at the return type, so that a "not `Copy`" error points there.
    // No user code comes after it, so it needs no hygiene.
    let at_type = syn::Ident::new("__mvx_synced_result", copy_span);
    let raw = quote_spanned!(copy_span=> __mvx_sync_ret(&mut #at_type));
    quote! {
        #[diagnostic::on_unimplemented(
            message = "`mvx_sync(ret)` syncs the bytes of the result, so it must be `Copy`, \
                       and `{Self}` is not",
            label = "not `Copy`"
        )]
        trait __MvxSyncRet: ::core::marker::Copy {}
        impl<T: ::core::marker::Copy> __MvxSyncRet for T {}
        #[inline(always)]
        fn __mvx_sync_ret<T: __MvxSyncRet>(value: &mut T) -> (*mut u8, usize) {
            ((value as *mut T).cast::<u8>(), ::core::mem::size_of::<T>())
        }
        let mut #at_type = #result;
        let (#ptr, #size) = #raw;
        // SAFETY: `ptr` points at the `size` bytes of a `Copy` value owned here.
        unsafe { ::mvx_sync_runtime::sync_op_after(__MVX_SITE, #ptr, #size) };
        #at_type
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::{parse_quote, Stmt};

    /// The statements of an expanded function body, each as text.
    fn statements(stmts: &[Stmt]) -> Vec<String> {
        stmts
            .iter()
            .map(|s| s.to_token_stream().to_string())
            .collect()
    }

    /// The region opens before the closure and closes after it, the body (with all its
    /// `return`s and `?`s) is inside the closure only, and the value of the function is the
    /// last expression, reached on every path.
    fn check_region(stmts: &[Stmt], body_marker: &str) {
        let text = statements(stmts);
        let position = |what: &str| {
            let found: Vec<usize> = (0..text.len())
                .filter(|&i| text[i].contains(what))
                .collect();
            assert_eq!(found.len(), 1, "`{what}` in {text:#?}");
            found[0]
        };
        let before = position("sync_op_before");
        let closure = position(body_marker);
        let after = position("sync_op_after");
        assert!(before < closure && closure < after, "{text:#?}");
        assert!(text[closure].contains("= (| |"), "{}", text[closure]);
        for (i, stmt) in text.iter().enumerate() {
            if i != closure {
                assert!(!stmt.contains("return"), "exit outside the closure: {stmt}");
                assert!(!stmt.contains('?'), "exit outside the closure: {stmt}");
            }
        }
        assert!(
            matches!(stmts.last(), Some(Stmt::Expr(_, None))),
            "the region's value comes last: {text:#?}"
        );
    }

    fn expand_fn(mode: Mode, item: TokenStream) -> ItemFn {
        syn::parse2(attribute(mode, item).unwrap()).unwrap()
    }

    #[test]
    fn data_closes_after_every_exit() {
        let function = expand_fn(
            Mode::Data {
                buf: Box::new(parse_quote!(buf)),
                len: Box::new(parse_quote!(buf.len())),
            },
            quote! {
                pub fn f(buf: &mut [u8]) -> Result<u8, E> {
                    if buf.is_empty() { return Err(E); }
                    let x = g(buf)?;
                    Ok(x)
                }
            },
        );
        assert_eq!(function.sig.ident, "f");
        check_region(&function.block.stmts, "g (buf) ?");
        let text = function.block.to_token_stream().to_string();
        assert!(text.contains("-> Result < u8 , E >"), "{text}");
    }

    #[test]
    fn ret_closes_after_every_exit() {
        let function = expand_fn(
            Mode::Ret,
            quote! {
                fn f(x: u32) -> u32 {
                    if x == 0 { return 1; }
                    x
                }
            },
        );
        check_region(&function.block.stmts, "return 1");
    }

    #[test]
    fn impl_trait_return_types_are_not_written_on_the_closure() {
        let function = expand_fn(Mode::Ret, quote! { fn f() -> impl Copy { 1u8 } });
        let text = function.block.to_token_stream().to_string();
        assert!(text.contains("= (| | { 1u8 }) ()"), "{text}");
    }

    #[test]
    fn block_closes_after_every_exit() {
        let block: syn::Block = syn::parse2(super::block(
            Mode::Data {
                buf: Box::new(parse_quote!(b)),
                len: Box::new(parse_quote!(2)),
            },
            Some(parse_quote!(Result<(), E>)),
            parse_quote!({
                if b[0] == 0 {
                    return Ok(());
                }
                h(b)?;
                Ok(())
            }),
        ))
        .unwrap();
        check_region(&block.stmts, "return Ok");
    }
}
