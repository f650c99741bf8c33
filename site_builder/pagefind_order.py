"""Pagefind's bundle made deterministic: the same pages give the same bytes.

Pagefind 1.5 writes its filter indexes and the order of the filters and languages from Rust
hash maps (its `index/mod.rs` notes, as work still to do upstream, that the filter indexes
should become BTrees for a stable order), so two runs over the same pages differ in `filter/*.pf_filter`,
`pagefind.<lang>_*.pf_meta` and `pagefind-entry.json`. The product promises byte-identical
output, so those three are rewritten here in a sorted order and renamed by their content
(the names are only how the files find each other: meta → filters, entry → meta).

The files are gzip(b"pagefind_dcd" + CBOR) of arrays, text and unsigned integers; this
module reads and writes only that subset of CBOR and fails loudly on anything else.
"""

from __future__ import annotations

import gzip
import hashlib
import json

SIGNATURE = b"pagefind_dcd"
HASHED = ("fragment/", "index/")  # files named by a hash of their content; the bundle keeps those its metadata names


def decode(data: bytes, at: int = 0):
    """One CBOR item at `at`: (value, next offset). Arrays → list, text → str, uint → int."""
    head = data[at]
    major, info = head >> 5, head & 31
    at += 1
    if info < 24:
        value = info
    elif info <= 27:
        size = 1 << (info - 24)
        value = int.from_bytes(data[at : at + size], "big")
        at += size
    else:
        raise ValueError(f"unsupported CBOR length {info}")
    if major == 0:
        return value, at
    if major == 3:
        return data[at : at + value].decode("utf-8"), at + value
    if major == 4:
        items = []
        for _ in range(value):
            item, at = decode(data, at)
            items.append(item)
        return items, at
    raise ValueError(f"unsupported CBOR type {major}")


def head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | info]) + value.to_bytes(size, "big")
    raise ValueError("integer too large")


def encode(value) -> bytes:
    if isinstance(value, bool) or not isinstance(value, (int, str, list)):
        raise ValueError(f"unsupported value {value!r}")
    if isinstance(value, int):
        return head(0, value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return head(3, len(raw)) + raw
    return head(4, len(value)) + b"".join(encode(item) for item in value)


def read(data: bytes):
    try:
        raw = gzip.decompress(data)
    except (OSError, EOFError) as bad:
        raise ValueError(f"not a Pagefind file: {bad}") from None
    if not raw.startswith(SIGNATURE):
        raise ValueError("not a Pagefind file")
    value, end = decode(raw, len(SIGNATURE))
    if end != len(raw):
        raise ValueError("trailing bytes in a Pagefind file")
    return value


def written(value) -> bytes:
    return gzip.compress(SIGNATURE + encode(value), compresslevel=9, mtime=0)


def name(lang: str, data: bytes, length: int) -> str:
    return f"{lang}_{hashlib.sha1(data).hexdigest()[:length]}"


def stable(files: dict[str, bytes]) -> dict[str, bytes]:
    """The bundle (path inside it → bytes) with filters, metadata and entry in sorted order,
    and of the fragments and word-index chunks only those the metadata names (a bundle made
    over the previous one's files holds the old ones too: pagefind_run.py)."""
    entry = json.loads(files["pagefind-entry.json"])
    out = {path: data for path, data in files.items()
           if not path.startswith(("filter/",) + HASHED) and not (path.startswith("pagefind.") and path.endswith(".pf_meta"))
           and path != "pagefind-entry.json"}
    languages = {}
    for lang, about in sorted(entry["languages"].items()):
        meta = read(files[f"pagefind.{about['hash']}.pf_meta"])
        for page_hash, _words in meta[1]:  # meta[1]: [fragment hash, word count] per page
            out[f"fragment/{page_hash}.pf_fragment"] = files[f"fragment/{page_hash}.pf_fragment"]
        for _first, _last, chunk_hash in meta[2]:  # meta[2]: [first word, last word, hash] per chunk
            out[f"index/{chunk_hash}.pf_index"] = files[f"index/{chunk_hash}.pf_index"]
        filters = []  # meta[3]: [filter name, hash of its index]
        for filter_name, old in sorted(meta[3]):
            index = read(files[f"filter/{old}.pf_filter"])  # [filter name, [[value, [page numbers]]…]]
            index[1] = sorted([value, sorted(pages)] for value, pages in index[1])
            data = written(index)
            new = name(lang, data, 12)
            out[f"filter/{new}.pf_filter"] = data
            filters.append([filter_name, new])
        meta[3] = filters
        data = written(meta)
        new = name(lang, data, 16)
        out[f"pagefind.{new}.pf_meta"] = data
        languages[lang] = {**about, "hash": new}
    entry["languages"] = languages
    out["pagefind-entry.json"] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return dict(sorted(out.items()))
