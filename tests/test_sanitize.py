"""The one sanitiser of foreign text: every encoding of the secret, controls, commands, length."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus

import pytest

from reconciler.util.sanitize import MAX_TEXT, PLAIN, Sanitizer

SECRET = 'Tr0ub4dor&3+/="x'
CLEAN = Sanitizer.for_credentials("client-1", SECRET)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize(
    "echo",
    [
        SECRET,
        quote_plus(SECRET),
        quote(SECRET, safe=""),
        quote(SECRET, safe="").lower(),
        json.dumps(SECRET)[1:-1],
        _b64(SECRET.encode()),
        base64.urlsafe_b64encode(SECRET.encode()).decode(),
        *(_b64(b"p" * pad + SECRET.encode() + b"&scope=x") for pad in range(3)),
        _b64(f"grant_type=client_credentials&client_secret={quote_plus(SECRET)}".encode()),
        _b64(f"client-1:{SECRET}".encode()),
        _b64(f"client-1:{quote_plus(SECRET)}".encode()),
    ],
)
def test_the_secret_is_redacted_in_every_encoding(echo: str) -> None:
    shown = CLEAN.clean(f"you sent <{echo}> which is wrong")
    assert SECRET not in shown
    assert "***" in shown
    core = _b64(SECRET.encode())[2:-4]
    assert core not in shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Authorization: Bearer eyJhbGciOi.J9-x_y", "Authorization: Bearer ***"),
        ("bearer%20abc123", "bearer ***"),
        (f"Basic {_b64(b'someone:else')}", "Basic ***"),
        ("Basic validation failed", "Basic validation failed"),
        (
            '{"access_token": "abc", "client_secret":"def"}',
            '{"access_token": "***", "client_secret":"***"}',
        ),
        ("\x1b[1;31mred\x1b[0m \x1b]0;title\x07ok \x9b2J\x07\x00\u202eevil", "red ok evil"),
        (
            "one\n::add-mask::x\n  ::error file=a::forged\r\ntwo ::warning::w:: three",
            "one two w:: three",
        ),
        ("tab\there\x0bthere", "tab here there"),
    ],
)
def test_controls_commands_and_tokens(text: str, shown: str) -> None:
    assert PLAIN.clean(text) == shown


def test_long_text_is_cut_and_trees_are_bounded() -> None:
    assert PLAIN.clean("x" * 10_000) == "x" * MAX_TEXT + " [cut]"
    tree = PLAIN.clean_tree({"m": ["\x1b[31ma"] * 100, "n": {"o": 1.5}, "\x1b[0mk": True})
    assert tree == {"m": ["a"] * 20, "n": {"o": 1.5}, "k": True}


def test_short_secrets_do_not_redact_ordinary_words() -> None:
    assert Sanitizer.for_credentials("id", "a").clean("a cat") == "a cat"
