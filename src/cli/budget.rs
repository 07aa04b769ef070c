//! `cookietin budget`'s helpers: the other cookies a request is given, and
//! the binding limit's name. Only the command uses them, so it includes
//! this file with `#[path]` (the fuzz target, which includes `mod.rs`,
//! does not).

use serde_json::Value;

/// The binding limit as the JSON output and the demo spell it
/// (`header-bytes`), from its serde name.
pub fn binding_name(binding: cookietin::Binding) -> String {
    match serde_json::to_value(binding) {
        Ok(Value::String(name)) => name,
        _ => format!("{binding:?}"),
    }
}

/// A Cookie header of `count` cookies taking `bytes` bytes, separators
/// included.
pub fn other_cookies(count: usize, bytes: usize) -> Result<String, String> {
    if count == 0 {
        return match bytes {
            0 => Ok(String::new()),
            _ => Err("--other-cookies: bytes without cookies".to_owned()),
        };
    }
    if count > 10_000 || bytes > 1 << 20 {
        return Err("--other-cookies: at most 10000 cookies and 1 MiB".to_owned());
    }
    let names: Vec<String> = (0..count).map(|i| format!("c{i}=")).collect();
    let fixed: usize = names.iter().map(String::len).sum::<usize>() + 2 * (count - 1);
    if bytes < fixed {
        return Err(format!(
            "--other-cookies {count}/{bytes}: {count} cookies take at least {fixed} bytes"
        ));
    }
    let pad = bytes - fixed;
    let pieces: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let share = pad / count + usize::from(i < pad % count);
            format!("{n}{}", "x".repeat(share))
        })
        .collect();
    let header = pieces.join("; ");
    debug_assert_eq!(header.len(), bytes);
    Ok(header)
}
