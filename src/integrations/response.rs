//! The rules every layer applies to a response that carries a session,
//! written once over plain bytes so that adapters for `http` 1 (hyper,
//! tower, axum) and actix-web's `http` 0.2 types share them.
//!
//! - the `Set-Cookie` values go out in the order the engine gave them
//!   (removals first);
//! - a response that read or wrote the session varies on `Cookie`, so that
//!   a shared cache never serves one user's page to another;
//! - a response that sets session cookies is never stored by a shared
//!   cache: it gets `Cache-Control: private` unless it already says
//!   `private` or `no-store`.

#[cfg(any(feature = "tower", feature = "actix"))]
use crate::SaveError;

// Defined beside the handle's `on_saved`, which hands it out too; this
// path still names it.
pub use crate::outcome::SaveOutcome;

/// The status a layer answers when a save fails and the handler's changes
/// to store data were lost: 503 when the store could not be reached or was
/// full, 413 when the record would outgrow the store's cap, 500 when the
/// store failed otherwise, and 409 when another request destroyed or
/// regenerated the session first. `None` keeps the handler's own.
#[cfg(any(feature = "tower", feature = "actix"))]
pub(crate) fn failed_status(error: &SaveError) -> Option<u16> {
    match error {
        #[cfg(feature = "store")]
        SaveError::Store(e) => Some(match e {
            crate::store::StoreError::TooLarge { .. } => 413,
            e if e.is_transient() => 503,
            crate::store::StoreError::Full { .. } => 503,
            _ => 500,
        }),
        SaveError::SessionGone => Some(409),
        _ => None,
    }
}

/// Whether the response's `Vary` values already cover `Cookie`.
pub(crate) fn varies_on_cookie<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> bool {
    varies_on(values, "cookie")
}

/// Whether the response's `Vary` values already cover the header `name`.
pub(crate) fn varies_on<'a>(values: impl IntoIterator<Item = &'a [u8]>, name: &str) -> bool {
    values.into_iter().any(|v| {
        v.split(|&b| b == b',').any(|token| {
            let token = token.trim_ascii();
            token == b"*" || token.eq_ignore_ascii_case(name.as_bytes())
        })
    })
}

/// The session header a response that carries a session gets (see
/// `EngineBuilder::session_header`): `Vary` on it when the session was
/// read or written, and its value when the save wrote a new id (empty when
/// the session ended).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HeaderOut {
    /// The header's name, lowercase.
    pub name: String,
    /// Its new value, when the id changed.
    pub value: Option<String>,
}

impl HeaderOut {
    /// The header `engine` names, with the value `saved` gives it.
    pub(crate) fn of<F: crate::Flavour>(
        engine: &crate::Engine<F>,
        saved: Option<&crate::Saved>,
    ) -> Option<HeaderOut> {
        Some(HeaderOut {
            name: engine.session_header()?.to_owned(),
            value: saved.and_then(|saved| engine.session_header_value(saved)),
        })
    }
}

/// The `Cache-Control` value a response that sets session cookies needs,
/// given the one it has; `None` when it already keeps shared caches out.
pub(crate) fn private_cache_control(existing: Option<&[u8]>) -> Option<String> {
    let Some(existing) = existing else {
        return Some("private".to_owned());
    };
    let existing = String::from_utf8_lossy(existing);
    let directives: Vec<&str> = existing
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .collect();
    let name = |d: &str| {
        d.split('=')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    };
    if directives
        .iter()
        .any(|d| matches!(name(d).as_str(), "private" | "no-store"))
    {
        return None;
    }
    // `public` is the one directive `private` contradicts.
    let rest = directives.into_iter().filter(|d| name(d) != "public");
    Some(
        std::iter::once("private")
            .chain(rest)
            .collect::<Vec<_>>()
            .join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vary_tokens_are_matched_case_insensitively_and_star_covers_cookie() {
        assert!(varies_on_cookie([b"Accept-Encoding, cookie".as_slice()]));
        assert!(varies_on_cookie([b"*".as_slice()]));
        assert!(!varies_on_cookie([
            b"Accept-Encoding".as_slice(),
            b"Cookies".as_slice()
        ]));
        assert!(!varies_on_cookie(std::iter::empty()));
    }

    #[test]
    fn cache_control_becomes_private_unless_already_stricter() {
        assert_eq!(private_cache_control(None).as_deref(), Some("private"));
        assert_eq!(private_cache_control(Some(b"no-store")), None);
        assert_eq!(private_cache_control(Some(b"Private, max-age=60")), None);
        assert_eq!(
            private_cache_control(Some(b"public, max-age=60")).as_deref(),
            Some("private, max-age=60")
        );
        assert_eq!(
            private_cache_control(Some(b"max-age=0, must-revalidate")).as_deref(),
            Some("private, max-age=0, must-revalidate")
        );
    }
}
