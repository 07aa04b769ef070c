#!/usr/bin/env python3
"""Trains the zstd dictionary candidate for wire format 2 on generated sessions.

Measured by benches/peers/benches/compression.rs and not chosen: on the
corpus it loses to deflate with dictionary 1 (BENCHMARKS.md, "Wire format
2"), so no format version uses it. Kept to measure against.

The sessions are made up here, from a seeded generator, in the shapes web
apps keep in a session (logins, carts, OIDC tokens, form wizards, flash
messages, preferences, history). The test corpus (benches/sessions.json,
shared/corpus) is never read: the dictionary must not be tuned to the
sessions it is measured on.

    python3 data/dictionaries/train.py [--size BYTES] [--id N] [--out FILE]

Needs the `zstd` command (Debian: zstd). The output is deterministic for a
given zstd version, seed, size and id. Should a dictionary ever become part
of the wire format, it never changes under its id: a new one takes a new
id (format 2's compression id, flag bits 0 and 3).
"""
import argparse
import base64
import json
import os
import random
import string
import subprocess
import sys
import tempfile

SEED = 20261201
WORDS = ("the a of to and in is it you that he was for on are with as his they be at one have this "
         "from or had by word but what some we can out other were all there when up use your how said "
         "an each she which do their time if will way about many then them write would like so these "
         "her long make thing see him two has look more day could go come did number sound no most "
         "people my over know water than call first who may down side been now find").split()
LOCALES = ["en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "it-IT", "nl-NL", "pt-BR", "ja-JP", "sv-SE"]
ZONES = ["UTC", "Europe/London", "Europe/Berlin", "Europe/Paris", "America/New_York",
         "America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney"]
CURRENCIES = ["USD", "EUR", "GBP", "JPY", "CHF", "SEK"]
PATHS = ["/", "/account", "/settings", "/orders", "/checkout", "/cart", "/search?q=shoes",
         "/products/42", "/admin", "/dashboard", "/login", "/help/faq"]


def token(r, n, alphabet=string.ascii_letters + string.digits + "-_"):
    return "".join(r.choice(alphabet) for _ in range(n))


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(r, spaced):
    sep = (", ", ": ") if spaced else (",", ":")
    header = {"alg": r.choice(["RS256", "ES256", "HS256"]), "typ": "JWT"}
    if r.random() < 0.6:
        header["kid"] = token(r, 16)
    now = 1_760_000_000 + r.randrange(10_000_000)
    claims = {
        "iss": r.choice(["https://login.example.org/", "https://accounts.example.net",
                         "https://auth.example.io/realms/main"]),
        "sub": r.choice(["auth0|", "google-oauth2|", ""]) + token(r, 24, string.hexdigits.lower()),
        "aud": r.choice([["api", "web"], "client-" + token(r, 8), ["account"]]),
        "iat": now,
        "exp": now + r.choice([300, 3600, 86400]),
    }
    if r.random() < 0.5:
        claims["email"] = f"{token(r, 8, string.ascii_lowercase)}@example.com"
    if r.random() < 0.5:
        claims["scope"] = "openid profile email" + (" offline_access" if r.random() < 0.5 else "")
    if r.random() < 0.4:
        claims["nonce"] = token(r, 22)
    body = json.dumps(header, separators=sep).encode(), json.dumps(claims, separators=sep).encode()
    return f"{b64(body[0])}.{b64(body[1])}.{b64(bytes(r.randrange(256) for _ in range(r.choice([64, 256]))))}"


def sentence(r, n):
    return " ".join(r.choice(WORDS) for _ in range(n))


def login(r):
    s = {}
    s[r.choice(["csrf_token", "_csrf", "csrf", "xsrf_token"])] = token(r, r.choice([32, 43, 64]))
    s[r.choice(["user_id", "uid", "userId", "account_id"])] = r.choice([r.randrange(1, 10**7), token(r, 24, string.hexdigits.lower())])
    if r.random() < 0.6:
        s[r.choice(["locale", "lang", "language"])] = r.choice(LOCALES + ["en", "de", "fr"])
    if r.random() < 0.3:
        s["timezone"] = r.choice(ZONES)
    if r.random() < 0.3:
        s["role"] = r.choice(["admin", "user", "editor", "viewer"])
    if r.random() < 0.3:
        s["logged_in_at"] = 1_760_000_000 + r.randrange(10**7)
    if r.random() < 0.2:
        s["remember_me"] = r.random() < 0.5
    return s


def cart(r):
    n = r.choice([1, 2, 3, 5, 8, 12, 20, 35, 50, 70])
    style = r.randrange(3)
    items = []
    for i in range(n):
        if style == 0:
            items.append({"sku": f"SKU-{r.randrange(10**6):06d}", "name": f"{r.choice(WORDS).title()} {r.choice(WORDS)}",
                          "price_cents": r.randrange(100, 100000), "qty": r.randrange(1, 6)})
        elif style == 1:
            items.append({"product_id": r.randrange(1, 10**5), "quantity": r.randrange(1, 10),
                          "price": round(r.uniform(1, 500), 2), "variant": r.choice(["S", "M", "L", "XL", None])})
        else:
            items.append({"id": token(r, 12), "title": sentence(r, 3), "qty": r.randrange(1, 4)})
    s = {r.choice(["cart", "items", "basket", "line_items"]): items}
    if r.random() < 0.7:
        s["currency"] = r.choice(CURRENCIES)
    if r.random() < 0.5:
        s["coupon"] = r.choice([None, token(r, 8, string.ascii_uppercase + string.digits)])
    s.update(login(r) if r.random() < 0.6 else {})
    return s


def oidc(r):
    spaced = r.random() < 0.5
    s = {"access_token": jwt(r, spaced), "token_type": "Bearer", "expires_at": 1_760_000_000 + r.randrange(10**7)}
    if r.random() < 0.8:
        s["id_token"] = jwt(r, spaced)
    if r.random() < 0.6:
        s["refresh_token"] = token(r, r.choice([40, 64, 128]))
    if r.random() < 0.5:
        s["state"] = token(r, 32)
        s["nonce"] = token(r, 32)
    if r.random() < 0.4:
        s["code_verifier"] = token(r, 64)
    if r.random() < 0.5:
        s["user"] = {"sub": token(r, 24), "name": sentence(r, 2).title(),
                     "email": f"{token(r, 7, string.ascii_lowercase)}@example.com", "email_verified": True}
    return s


def wizard(r):
    n = r.randrange(3, 40)
    answers = {}
    for i in range(n):
        kind = r.randrange(4)
        if kind == 0:
            answers[f"q{i}"] = sentence(r, r.randrange(1, 25))
        elif kind == 1:
            answers[f"q{i}"] = r.randrange(0, 1000)
        elif kind == 2:
            answers[f"q{i}"] = r.random() < 0.5
        else:
            answers[f"q{i}"] = [r.choice(WORDS) for _ in range(r.randrange(1, 5))]
    s = {r.choice(["answers", "form", "wizard", "draft"]): answers, "step": r.randrange(1, n + 1)}
    if r.random() < 0.5:
        s["started_at"] = f"2026-{r.randrange(1, 13):02d}-{r.randrange(1, 29):02d}T{r.randrange(24):02d}:{r.randrange(60):02d}:00Z"
    return s


def misc(r):
    s = login(r) if r.random() < 0.5 else {}
    if r.random() < 0.5:
        s["flash"] = [{"level": r.choice(["info", "success", "warning", "error"]), "message": sentence(r, r.randrange(3, 12))}]
    if r.random() < 0.5:
        s["history"] = [r.choice(PATHS) for _ in range(r.randrange(1, 10))]
    if r.random() < 0.5:
        s["prefs"] = {"theme": r.choice(["dark", "light", "system"]), "page_size": r.choice([10, 25, 50, 100]),
                      "currency": r.choice(CURRENCIES), "timezone": r.choice(ZONES)}
    if r.random() < 0.3:
        s["return_to"] = r.choice(PATHS)
    if r.random() < 0.3:
        s["permissions"] = r.sample(["read", "write", "delete", "admin", "billing", "export"], r.randrange(1, 5))
    if r.random() < 0.2:
        s["blob"] = token(r, r.randrange(16, 2000))
    if not s:
        s["visits"] = r.randrange(1, 100)
    return s


def generate(n, seed=SEED):
    r = random.Random(seed)
    makers = [login, login, cart, oidc, wizard, misc, misc]
    for _ in range(n):
        yield json.dumps(r.choice(makers)(r), separators=(",", ":")).encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--id", type=int, default=1)
    ap.add_argument("--samples", type=int, default=4000)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "sessions-1.zdict"))
    ap.add_argument("--dump", help="write the generated sessions here, one per line, and stop")
    args = ap.parse_args()
    if args.dump:
        with open(args.dump, "wb") as f:
            for s in generate(args.samples, SEED + 1):
                f.write(s + b"\n")
        return
    with tempfile.TemporaryDirectory() as tmp:
        for i, s in enumerate(generate(args.samples)):
            with open(os.path.join(tmp, f"{i:05d}.json"), "wb") as f:
                f.write(s)
        files = sorted(os.path.join(tmp, f) for f in os.listdir(tmp))
        cmd = ["zstd", "--train", "-q", "-f", "-T1", f"--maxdict={args.size}", f"--dictID={args.id}",
               "--train-fastcover=k=50,d=8,f=20,steps=4,split=75,accel=1", "-o", args.out] + files
        subprocess.run(cmd, check=True)
    print(f"{args.out}: {os.path.getsize(args.out)} bytes, id {args.id}", file=sys.stderr)


if __name__ == "__main__":
    main()
