"""The safe, positioned YAML loader: values, positions and every refusal, on real files."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from reconciler.loader import (
    DEFAULT_MAX_BYTES,
    MAX_DEPTH,
    LoadResult,
    Position,
    escape_pointer,
    load_bytes,
    load_file,
)


def _refused(raw: bytes) -> tuple[int, int, str, str]:
    result = load_bytes(raw, "s.yaml")
    assert result.document is None
    assert len(result.findings) == 1
    (finding,) = result.findings
    assert finding.severity == "error"
    assert finding.path == "s.yaml"
    return finding.line, finding.column, finding.rule, finding.message


def _data(raw: bytes) -> dict[str, object]:
    result = load_bytes(raw, "s.yaml")
    assert result.findings == ()
    assert result.document is not None
    return result.document.data


def test_scalars_follow_the_yaml_1_2_core_schema_and_keep_timestamps_as_written() -> None:
    data = _data(
        b"when: 2027-01-04T08:00:00-05:00\n"
        b"date: 2027-01-04\n"
        b"clock: 21:00\n"
        b"early: 08:00\n"
        b"int: 42\nneg: -7\nplus: +3\nhex: 0x1F\noct: 0o17\n"
        b"float: 12.5\nexp: 1e3\nhuge: 1e999\ninf: .inf\nnan: .nan\n"
        b"yes: yes\ntrue: true\nfalse: False\nnull: ~\nempty:\n"
        b"quoted: '12'\ndouble: \"true\"\ntagged: !!str 5\nunderscore: 1_000\n"
    )
    assert data == {
        "when": "2027-01-04T08:00:00-05:00",
        "date": "2027-01-04",
        "clock": "21:00",
        "early": "08:00",
        "int": 42,
        "neg": -7,
        "plus": 3,
        "hex": 31,
        "oct": 15,
        "float": 12.5,
        "exp": 1000.0,
        "huge": "1e999",
        "inf": ".inf",
        "nan": ".nan",
        "yes": "yes",
        "true": True,
        "false": False,
        "null": None,
        "empty": None,
        "quoted": "12",
        "double": "true",
        "tagged": "5",
        "underscore": "1_000",
    }


def test_explicit_core_tags_are_read() -> None:
    data = _data(b"a: !!int '7'\nb: !!float '2'\nc: !!bool 'True'\nd: !!null ''\n")
    assert data == {"a": 7, "b": 2.0, "c": True, "d": None}


def test_positions_point_at_keys_and_list_items() -> None:
    raw = b"# comment\nname: x\nlist:\n  - a\n  - {k: v}\nnested:\n  inner:\n    deep: 1\n"
    result = load_bytes(raw, "s.yaml")
    assert result.document is not None
    locate = result.document.locate
    assert locate("") == Position(2, 1)
    assert locate("/name") == Position(2, 1)
    assert locate("/list/0") == Position(4, 5)
    assert locate("/list/1") == Position(5, 5)
    assert locate("/list/1/k") == Position(5, 6)
    assert locate("/nested/inner/deep") == Position(8, 5)
    assert locate("/nested/inner/missing") == Position(7, 3)
    assert locate("/absent/field") == Position(2, 1)


def test_keys_with_slash_and_tilde_are_escaped_in_pointers() -> None:
    result = load_bytes(b"a/b~c: 1\n", "s.yaml")
    assert result.document is not None
    assert dict(result.document.marks).keys() == {"", "/a~1b~0c"}
    assert escape_pointer("plain") == "plain"
    assert escape_pointer("~/") == "~0~1"


def test_digest_is_the_sha256_of_the_bytes(tmp_path: Path) -> None:
    raw = b"a: 1\n"
    path = tmp_path / "s.yaml"
    path.write_bytes(raw)
    assert load_file(path).digest == hashlib.sha256(raw).hexdigest()
    assert load_file(path).path == path.as_posix()
    assert load_file(path, "shown.yaml").path == "shown.yaml"


def test_a_utf8_byte_order_mark_is_accepted() -> None:
    assert _data(b"\xef\xbb\xbfname: x\n") == {"name": "x"}


@pytest.mark.parametrize("raw", [b"", b"\n\n", b"# only a comment\n"])
def test_an_empty_file_is_refused(raw: bytes) -> None:
    assert _refused(raw) == (1, 1, "yaml-empty", "the file is empty; it must hold one mapping")


@pytest.mark.parametrize(
    ("raw", "where", "kind"),
    [
        (b"---\n", (2, 1), "empty (null)"),
        (b"- a\n- b\n", (1, 1), "a list"),
        (b"\nhello\n", (2, 1), "a scalar ('hello')"),
    ],
)
def test_a_top_level_that_is_not_a_mapping_is_refused(
    raw: bytes, where: tuple[int, int], kind: str
) -> None:
    message = f"the top level is {kind}; it must be a mapping of names to values"
    assert _refused(raw) == (*where, "yaml-root", message)


def test_a_binary_file_is_refused_at_its_first_nul_byte() -> None:
    message = "binary file (NUL byte); a schedule file is UTF-8 text"
    assert _refused(b"a: 1\nb: \x00\x01\x02") == (2, 4, "yaml-encoding", message)


def test_invalid_utf8_is_refused_with_its_position() -> None:
    message = "invalid UTF-8 (byte 0xff); save the file as UTF-8"
    assert _refused(b"a: 1\nname: caf\xff\n") == (2, 10, "yaml-encoding", message)


def test_a_control_character_is_refused() -> None:
    message = "control character #x0007 is not allowed; remove it"
    assert _refused(b"a: 1\nb: x\x07y\n") == (2, 5, "yaml-encoding", message)


def test_invalid_yaml_is_reported_with_its_position() -> None:
    line, column, rule, message = _refused(b"name: x\nlist: [1, 2\nother: 3\n")
    assert (line, column, rule) == (3, 6, "yaml-syntax")
    assert message == "invalid YAML: did not find expected ',' or ']' while parsing a flow sequence"


@pytest.mark.parametrize("raw", [b"a: 1\n\tb: 2\n", b"a:\n\tb: 2\n"])
def test_tabs_in_indentation_name_the_fix(raw: bytes) -> None:
    line, column, rule, message = _refused(raw)
    assert (line, column, rule) == (2, 1, "yaml-syntax")
    assert message.endswith("(the line holds a tab: indent YAML with spaces, not tabs)")


def test_every_duplicate_key_is_reported() -> None:
    result = load_bytes(b"a: 1\nb:\n  c: 1\n  c: 2\na: 3\n", "s.yaml")
    assert result.document is None
    assert [(f.line, f.column, f.rule, f.message) for f in result.findings] == [
        (
            4,
            3,
            "yaml-duplicate-key",
            "key 'c' appears twice in the mapping /b (first at line 3); remove one of them",
        ),
        (
            5,
            1,
            "yaml-duplicate-key",
            "key 'a' appears twice in the top level (first at line 1); remove one of them",
        ),
    ]


_ALIAS = (
    "anchors and aliases (&name, *name, <<: *name) are not allowed; write the values out in full"
)


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        (b"a: &x [1, 2]\nb: *x\n", (1, 4)),
        (b"a: 1\nb: *undefined\n", (2, 4)),
        (b"&k a: 1\n", (1, 1)),
        (b"base: &b {x: 1}\nother:\n  <<: *b\n", (1, 7)),
        (b"a: &s text\n", (1, 4)),
    ],
)
def test_anchors_and_aliases_are_refused(raw: bytes, where: tuple[int, int]) -> None:
    assert _refused(raw) == (*where, "yaml-alias", _ALIAS)


def test_an_alias_bomb_is_refused_without_expanding() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghij":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [{', '.join(['*' + previous] * 9)}]")
    started = time.perf_counter()
    assert _refused("\n".join(lines).encode()) == (1, 4, "yaml-alias", _ALIAS)
    assert time.perf_counter() - started < 1.0


def test_a_second_document_is_refused() -> None:
    message = (
        "a second YAML document starts here; a file holds one document (one schedule per file)"
    )
    assert _refused(b"a: 1\n---\nb: 2\n") == (2, 1, "yaml-multi-doc", message)


def test_deep_block_nesting_is_refused_cleanly() -> None:
    raw = (
        "".join(f"{'  ' * depth}k{depth}:\n" for depth in range(100)).encode()
        + b"  " * 100
        + b"x\n"
    )
    line, column, rule, message = _refused(raw)
    assert (line, column, rule) == (MAX_DEPTH + 1, 2 * MAX_DEPTH + 1, "yaml-depth")
    assert message == f"nesting is deeper than {MAX_DEPTH} levels; a schedule file needs 3"


def test_very_deep_flow_nesting_is_refused_cleanly() -> None:
    raw = b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n"
    line, _column, rule, _message = _refused(raw)
    assert line == 1
    assert rule in ("yaml-depth", "yaml-syntax")


def test_unsupported_tags_are_refused() -> None:
    assert _refused(b"a: !!python/object:os.system x\n") == (
        1,
        4,
        "yaml-tag",
        "the tag tag:yaml.org,2002:python/object:os.system is not supported; remove it",
    )
    assert _refused(b"!!python/name:os k: 1\n")[2] == "yaml-tag"
    assert _refused(b"a: !!int seven\n") == (
        1,
        4,
        "yaml-tag",
        "'seven' cannot be read as tag:yaml.org,2002:int; remove the tag or fix the value",
    )


def test_a_complex_mapping_key_is_refused() -> None:
    message = "a mapping key must be a plain string, not a list or mapping"
    assert _refused(b"? [a, b]\n: 1\n") == (1, 3, "yaml-key", message)


def _write_sparse(path: Path, size: int) -> None:
    with path.open("wb") as stream:
        stream.truncate(size)


def test_a_50_megabyte_file_is_refused_from_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    _write_sparse(path, 50 * 1024 * 1024)
    started = time.perf_counter()
    result = load_file(path, "huge.yaml")
    assert time.perf_counter() - started < 0.5
    assert result == LoadResult(
        "huge.yaml",
        None,
        result.findings,
        "",
    )
    (finding,) = result.findings
    assert (finding.line, finding.column, finding.rule) == (1, 1, "yaml-size")
    assert finding.message == (
        "file is 52,428,800 bytes, over the 1,048,576-byte limit; a schedule file needs a few "
        "kilobytes: split it or remove what does not belong"
    )


def test_the_size_limit_can_be_lowered(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(b"".join(b"k%d: 1\n" % i for i in range(10)))
    assert load_file(path, max_bytes=60).document is not None
    assert load_file(path, max_bytes=59).findings[0].rule == "yaml-size"
    assert DEFAULT_MAX_BYTES == 1024 * 1024


def test_an_unreadable_path_is_a_finding(tmp_path: Path) -> None:
    result = load_file(tmp_path, "folder.yaml")
    assert [(f.rule, f.message) for f in result.findings] == [
        ("file-unreadable", "cannot read the file: Is a directory")
    ]
