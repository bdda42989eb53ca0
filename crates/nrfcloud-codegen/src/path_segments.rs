//! Path parameters cannot leave their operation.
//!
//! progenitor writes each path parameter into the URL with `encode_path`, which
//! percent-encodes `/`, `?`, `#` and `%` but leaves `.` and `..` whole, and the URL parser
//! then resolves them: `DeleteAnchor("..")` would send `DELETE /v1/location/`. Every
//! `encode_path(&x.to_string())` of the generated `send` methods becomes
//! `crate::path::segment("name", &x.to_string()).map_err(Error::InvalidRequest)?`, which
//! refuses `.`, `..` and the empty segment (naming the parameter) and encodes `\` as well
//! (a path separator to the URL parser). The statement that builds the URL moves up to just
//! after the path parameters are read, so the check runs before the query and the body
//! are converted and before anything is sent. Generation fails if a call of `encode_path`
//! is left, so no operation can be missed.

use std::collections::BTreeMap;

use quote::{ToTokens, quote};
use syn::punctuated::Punctuated;
use syn::visit::Visit;

/// One operation whose path parameters are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedPath {
    /// The generated client method (`delete_anchor`).
    pub method_name: String,
    /// Its path parameters in path order: the name in the document (`macAddress`) and the
    /// builder's setter (`mac_address`).
    pub parameters: Vec<(String, String)>,
}

/// The `{name}`s of a path template, in order.
pub fn template_parameters(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
        .collect()
}

/// Rewrites every `send` of `mod builder`; `paths` maps each client method name to its path
/// template. Returns the operations it checked, or why the generated code does not have the
/// expected shape.
///
/// # Errors
///
/// The builder whose generated code does not have the expected shape.
pub fn check_path_segments(
    file: &mut syn::File,
    paths: &BTreeMap<String, String>,
) -> Result<Vec<CheckedPath>, String> {
    let mut checked = Vec::new();
    for item in &mut file.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.ident != "builder" {
            continue;
        }
        for it in m.content.iter_mut().flat_map(|(_, items)| items) {
            let syn::Item::Impl(imp) = it else { continue };
            for f in &mut imp.items {
                if let syn::ImplItem::Fn(f) = f
                    && f.sig.ident == "send"
                    && let Some(done) = rewrite_send(&mut f.block, paths)?
                {
                    checked.push(done);
                }
            }
        }
    }
    let left = count_encode_path_calls(file);
    if left > 0 {
        return Err(format!(
            "{left} call(s) of encode_path are left unchecked: the generated code changed shape"
        ));
    }
    checked.sort_by(|a, b| a.method_name.cmp(&b.method_name));
    Ok(checked)
}

/// Rewrites one `send` body; `None` when its URL has no path parameters.
fn rewrite_send(
    block: &mut syn::Block,
    paths: &BTreeMap<String, String>,
) -> Result<Option<CheckedPath>, String> {
    let Some(url_at) = block.stmts.iter().position(is_url_statement) else {
        return Ok(None);
    };
    let method = crate::type_graph::operation_name(block)
        .ok_or_else(|| "a send method without OperationInfo { operation_id }".to_string())?;
    let template = paths
        .get(&method)
        .ok_or_else(|| format!("{method}: not an operation of the document"))?;
    let names = template_parameters(template);

    let syn::Stmt::Local(local) = &mut block.stmts[url_at] else {
        unreachable!("is_url_statement matched a let")
    };
    let Some(init) = local.init.as_mut() else {
        unreachable!("is_url_statement matched an initialised let")
    };
    let syn::Expr::Macro(mac) = &mut *init.expr else {
        unreachable!("is_url_statement matched format!")
    };
    let mut args = mac
        .mac
        .parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        .map_err(|e| format!("{method}: the URL's format! does not parse: {e}"))?;
    let mut setters = Vec::new();
    for arg in args.iter_mut().skip(1) {
        if arg.to_token_stream().to_string().replace(' ', "") == "client.baseurl" {
            continue;
        }
        let Some(setter) = encoded_parameter(arg) else {
            return Err(format!(
                "{method}: unexpected URL argument `{}`",
                arg.to_token_stream()
            ));
        };
        let Some(name) = names.get(setters.len()) else {
            return Err(format!(
                "{method}: more path arguments than {{parameters}} in {template}"
            ));
        };
        let ident = syn::Ident::new(&setter, proc_macro2::Span::call_site());
        *arg = syn::parse_quote! {
            crate::path::segment(#name, &#ident.to_string()).map_err(Error::InvalidRequest)?
        };
        setters.push(setter);
    }
    if setters.len() != names.len() {
        return Err(format!(
            "{method}: {} path arguments for the {} parameters of {template}",
            setters.len(),
            names.len()
        ));
    }
    if setters.is_empty() {
        return Ok(None);
    }
    mac.mac.tokens = quote!(#args);

    // Build the URL as soon as the path parameters are read.
    let last_read = setters
        .iter()
        .filter_map(|s| block.stmts.iter().position(|st| binds(st, s)))
        .max()
        .ok_or_else(|| format!("{method}: path parameters are never read"))?;
    if last_read > url_at {
        return Err(format!("{method}: a path parameter is read after the URL"));
    }
    let url = block.stmts.remove(url_at);
    block.stmts.insert(last_read + 1, url);

    Ok(Some(CheckedPath {
        method_name: method,
        parameters: names.into_iter().zip(setters).collect(),
    }))
}

/// `let url = format!(…);`
pub(crate) fn is_url_statement(stmt: &syn::Stmt) -> bool {
    let syn::Stmt::Local(local) = stmt else {
        return false;
    };
    matches!(&local.pat, syn::Pat::Ident(p) if p.ident == "url")
        && local.init.as_ref().is_some_and(
            |init| matches!(&*init.expr, syn::Expr::Macro(m) if m.mac.path.is_ident("format")),
        )
}

/// `let name = …;`
fn binds(stmt: &syn::Stmt, name: &str) -> bool {
    matches!(stmt, syn::Stmt::Local(l) if matches!(&l.pat, syn::Pat::Ident(p) if p.ident == name))
}

/// `x` of `encode_path(&x.to_string())`.
fn encoded_parameter(expr: &syn::Expr) -> Option<String> {
    let syn::Expr::Call(call) = expr else {
        return None;
    };
    if !is_encode_path(&call.func) || call.args.len() != 1 {
        return None;
    }
    let syn::Expr::Reference(r) = &call.args[0] else {
        return None;
    };
    let syn::Expr::MethodCall(m) = &*r.expr else {
        return None;
    };
    if m.method != "to_string" || !m.args.is_empty() {
        return None;
    }
    match &*m.receiver {
        syn::Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        _ => None,
    }
}

fn is_encode_path(func: &syn::Expr) -> bool {
    matches!(func, syn::Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "encode_path"))
}

/// Calls of `encode_path` anywhere in the file, macro arguments included.
fn count_encode_path_calls(file: &syn::File) -> usize {
    struct Count(usize);
    impl Visit<'_> for Count {
        fn visit_expr_call(&mut self, call: &syn::ExprCall) {
            if is_encode_path(&call.func) {
                self.0 += 1;
            }
            syn::visit::visit_expr_call(self, call);
        }
        fn visit_macro(&mut self, mac: &syn::Macro) {
            if let Ok(args) =
                mac.parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
            {
                for arg in &args {
                    self.visit_expr(arg);
                }
            }
        }
    }
    let mut count = Count(0);
    count.visit_file(file);
    count.0
}

/// Test support for the raw crate: `send_with_path_parameters(client, method, value)` builds
/// the request of `method` with `value(parameter)` for each of its path parameters and
/// sends it (`None` for a method without path parameters). `tests/path_segments.rs`
/// includes it to try every path parameter of the document.
pub fn probes(checked: &[CheckedPath]) -> String {
    let arms = checked.iter().map(|c| {
        let method = &c.method_name;
        let call = syn::Ident::new(method, proc_macro2::Span::call_site());
        let setters = c.parameters.iter().map(|(name, setter)| {
            let setter = syn::Ident::new(setter, proc_macro2::Span::call_site());
            quote!(.#setter(value(#name)))
        });
        quote! {
            #method => {
                let builder = client.#call() #(#setters)*;
                Box::pin(async move { builder.send().await.map(|_| ()).map_err(|e| e.to_string()) })
            }
        }
    });
    let file: syn::File = syn::parse_quote! {
        /// A call on its way: `Err` holds the error's text.
        pub type ProbeCall<'a> =
            std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + 'a>>;

        /// Sends `method`'s request with `value(parameter)` for every path parameter (the other
        /// parameters unset); `None` when the method has no path parameters.
        #[allow(deprecated)]
        pub fn send_with_path_parameters<'a>(
            client: &'a nrfcloud_api::Client,
            method: &str,
            value: &dyn Fn(&str) -> String,
        ) -> Option<ProbeCall<'a>> {
            Some(match method {
                #(#arms)*
                _ => return None,
            })
        }
    };
    format!(
        "// Generated by nrfcloud-codegen for the raw crate's tests. Do not edit.\n{}",
        prettyplease::unparse(&file)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEND: &str = r#"
        pub mod builder {
            impl<'a> FetchValue<'a> {
                pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
                    let Self { client, device_id, value_id, body } = self;
                    let device_id = device_id.map_err(Error::InvalidRequest)?;
                    let value_id = value_id.map_err(Error::InvalidRequest)?;
                    let body = body.map_err(Error::InvalidRequest)?;
                    let url = format!("{}/devices/{}/values/{}", client.baseurl, encode_path(&device_id.to_string()), encode_path(&value_id.to_string()),);
                    let mut request = client.client.put(url).json(&body).build()?;
                    let info = OperationInfo { operation_id: "fetch_value" };
                    send(request, &info).await
                }
            }
            impl<'a> Plain<'a> {
                pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
                    let Self { client } = self;
                    let url = format!("{}/status", client.baseurl);
                    let info = OperationInfo { operation_id: "plain" };
                    send(request, &info).await
                }
            }
        }
    "#;

    fn paths() -> BTreeMap<String, String> {
        [
            ("fetch_value", "/devices/{deviceId}/values/{valueId}"),
            ("plain", "/status"),
        ]
        .into_iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect()
    }

    #[test]
    fn every_path_argument_is_checked_before_the_body() {
        let mut file: syn::File = syn::parse_str(SEND).unwrap();
        let checked = check_path_segments(&mut file, &paths()).unwrap();
        assert_eq!(
            checked,
            vec![CheckedPath {
                method_name: "fetch_value".into(),
                parameters: vec![
                    ("deviceId".into(), "device_id".into()),
                    ("valueId".into(), "value_id".into())
                ],
            }]
        );
        let text = prettyplease::unparse(&file);
        let squashed: String = text.split_whitespace().collect();
        assert!(
            squashed.contains(
                "crate::path::segment(\"valueId\",&value_id.to_string()).map_err(Error::InvalidRequest)?"
            ),
            "{text}"
        );
        let url = text.find("let url").unwrap();
        let value_read = text.find("let value_id").unwrap();
        let body_read = text.find("let body").unwrap();
        assert!(
            value_read < url && url < body_read,
            "the URL is built before the body: {text}"
        );
        assert_eq!(count_encode_path_calls(&file), 0);
    }

    #[test]
    fn an_unexpected_shape_stops_generation() {
        let src = SEND.replace(
            "encode_path(&value_id.to_string())",
            "encode_path(value_id)",
        );
        let mut file: syn::File = syn::parse_str(&src).unwrap();
        let err = check_path_segments(&mut file, &paths()).unwrap_err();
        assert!(err.contains("unexpected URL argument"), "{err}");

        let mut file: syn::File = syn::parse_str(SEND).unwrap();
        let mut short = paths();
        short.insert("fetch_value".into(), "/devices/{deviceId}/values".into());
        let err = check_path_segments(&mut file, &short).unwrap_err();
        assert!(err.contains("more path arguments"), "{err}");
    }

    #[test]
    fn probes_set_every_path_parameter() {
        let checked = vec![CheckedPath {
            method_name: "fetch_value".into(),
            parameters: vec![("deviceId".into(), "device_id".into())],
        }];
        let text = probes(&checked);
        let squashed: String = text.split_whitespace().collect();
        assert!(
            squashed.contains("client.fetch_value().device_id(value(\"deviceId\"))"),
            "{text}"
        );
    }

    #[test]
    fn template_parameters_in_order() {
        assert_eq!(
            template_parameters("/devices/{gatewayId}/discover/{peripheralId}"),
            vec!["gatewayId", "peripheralId"]
        );
        assert!(template_parameters("/account").is_empty());
    }
}
