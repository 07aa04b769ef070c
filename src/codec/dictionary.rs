//! The preset compression dictionary of the wire format.

/// Dictionary 1, the preset dictionary of compression id 1 (raw deflate)
/// in format versions 1 and 2: a vocabulary of session JSON
/// (common keys, JWT and date prefixes, punctuation), most frequent last
/// because deflate codes nearer matches in fewer bits. It is part of the
/// wire format: another dictionary needs another compression id.
///
/// Measured on the corpus in `benches/sessions.json`, it saves 30% on a tiny
/// login session, 15% on a 20-item cart and nothing on random data; much of
/// that is key names it knows: with every key renamed it saved 8 to 30
/// characters per session (BENCHMARKS.md).
pub const DICTIONARY: &[u8] = concat!(
    r#""scope":"openid profile email offline_access","token_type":"Bearer","#,
    r#""code_verifier":"","redirect_uri":"https://","return_to":"/","next":"/","#,
    r#""timezone":"UTC","Europe/","America/","currency":"USD","EUR","GBP","#,
    r#""created_at":"updated_at":"last_seen":"2026-01-01T00:00:00Z","expires_in":3600,"#,
    r#""permissions":[],"roles":["admin","user"],"groups":["#,
    r#""theme":"dark","light","lang":"en","locale":"en-US","en-GB","de-DE","fr-FR","#,
    r#""nonce":"state":"sid":"sub":"iss":"aud":"iat":"exp":"#,
    r#""id_token":"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJ","access_token":"eyJ","refresh_token":""#,
    r#""expires_at":"issued_at":"#,
    r#""answers":{"step":1,"history":["/","/"],"#,
    r#""items":[],"cart":[{"id":"product_id":"sku":"name":"price":"price_cents":"quantity":"qty":1,"total":"#,
    r#""messages":[],"flash":null,"#,
    r#""user":{"id":"name":"email":"@example.com","username":"#,
    r#""csrf_token":"_csrf":"locale":"en","user_id":"#,
    r#"true,false,null,"},{""#,
)
.as_bytes();
