"""The wire format between the grader and a student process: plain data only.

A message is a nested structure of dicts (string keys), lists, str, int, float,
bool, None and numpy arrays of numbers. It travels as one ``.npz`` archive: the
structure as JSON (arrays replaced by ``{"__array__": i}``) plus the arrays.
Decoding uses ``allow_pickle=False``, so nothing the student sends can carry
behaviour into the grader: whatever they return arrives as numbers and text.

The audit channel has a framing of its own: fixed records (``audit_record``), each
written by one ``write`` of less than PIPE_BUF bytes, which the kernel never splits or
interleaves. Student code can write into that pipe too; whatever it writes either is a
whole known record (which can only cost it: a forged ``kernel`` is a kernel called) or
breaks the framing, which the grader reads as tampering (``evidence.AuditLog``).

This file is copied into the student's sandbox and imported there too, so it
depends on numpy and the standard library only.
"""
import io
import json
import struct
import zipfile

import numpy as np

HEADER = struct.Struct("!Q")  # 8-byte big-endian payload length
MAX_MESSAGE_BYTES = 256 * 1024 * 1024   # framed size, and decoded size: a small zip must not inflate
MAX_DEPTH = 64                           # nesting of dicts and lists
_NUMERIC_KINDS = "biuf"  # bool, signed, unsigned, float: no objects, no strings


class WireError(Exception):
    """The other side sent something that is not a valid message."""


# -- the audit channel's records: MAGIC, one byte of length, the event's UTF-8 text, zeros to AUDIT_RECORD

AUDIT_MAGIC = b"\x00AUD"
AUDIT_RECORD = 128                                   # bytes; one write() under PIPE_BUF (4096) is atomic
AUDIT_TEXT = AUDIT_RECORD - len(AUDIT_MAGIC) - 1     # bytes of event text a record holds


def audit_record(event: str) -> bytes:
    """One audit event as its fixed record (text cut to AUDIT_TEXT bytes on a character boundary)."""
    text = event.encode("utf-8", "replace")[:AUDIT_TEXT].decode("utf-8", "ignore").encode("utf-8")
    return AUDIT_MAGIC + bytes((len(text),)) + text + bytes(AUDIT_TEXT - len(text))


def parse_audit_record(record: bytes) -> str | None:
    """The event in one AUDIT_RECORD-byte record, or None where it is not a record this side writes."""
    if len(record) != AUDIT_RECORD or not record.startswith(AUDIT_MAGIC):
        return None
    n = record[len(AUDIT_MAGIC)]
    body = record[len(AUDIT_MAGIC) + 1:]
    if n > AUDIT_TEXT or any(body[n:]):
        return None
    try:
        return body[:n].decode("utf-8")
    except UnicodeDecodeError:
        return None


def _flatten(value, arrays):
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _NUMERIC_KINDS:
            raise WireError(f"array of dtype {value.dtype} is not plain numbers")
        arrays.append(np.array(value, order="C"))  # (not ascontiguousarray: it makes a 0-d array 1-d)
        return {"__array__": len(arrays) - 1}
    if isinstance(value, dict):
        return {str(k): _flatten(v, arrays) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_flatten(v, arrays) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise WireError(f"cannot send a {type(value).__name__}")


def _depth(value, limit=MAX_DEPTH) -> None:
    """Raise WireError past ``limit`` levels of nesting (iteratively: no recursion to exhaust)."""
    stack = [(value, 0)]
    while stack:
        v, d = stack.pop()
        if d > limit:
            raise WireError(f"nested more than {limit} levels deep")
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v)


def _unflatten(value, arrays):
    if isinstance(value, dict):
        if set(value) == {"__array__"}:
            return arrays[value["__array__"]]
        return {k: _unflatten(v, arrays) for k, v in value.items()}
    if isinstance(value, list):
        return [_unflatten(v, arrays) for v in value]
    return value


def encode(message) -> bytes:
    arrays = []
    skeleton = _flatten(message, arrays)
    buf = io.BytesIO()
    named = {f"a{i}": a for i, a in enumerate(arrays)}
    named["__json__"] = np.frombuffer(json.dumps(skeleton).encode(), dtype=np.uint8)
    np.savez(buf, **named)
    return buf.getvalue()


def decode(payload: bytes):
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as z:  # sizes as declared, before anything is inflated
            if sum(info.file_size for info in z.infolist()) > MAX_MESSAGE_BYTES:
                raise WireError("larger than the grader accepts once decompressed")
            # encode() stores, never compresses: a compressed member is not this side's message, and
            # inflating one (a bomb of zeros) would spend the grader's time and memory, not the student's
            if any(info.compress_type != zipfile.ZIP_STORED for info in z.infolist()):
                raise WireError("compressed, which the worker never sends")
    except zipfile.BadZipFile:
        raise WireError("unreadable message (not an archive)") from None
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as npz:
            skeleton = json.loads(npz["__json__"].tobytes().decode())
            n = len(npz.files) - 1
            arrays = [npz[f"a{i}"] for i in range(n)]
    except Exception as exc:  # malformed archive, pickled object, bad JSON ...
        raise WireError(f"unreadable message ({type(exc).__name__})") from None
    for a in arrays:
        if a.dtype.kind not in _NUMERIC_KINDS:
            raise WireError(f"array of dtype {a.dtype} is not plain numbers")
    _depth(skeleton)
    try:
        return _unflatten(skeleton, arrays)
    except (IndexError, TypeError, KeyError) as exc:  # an __array__ index that does not exist, ...
        raise WireError(f"unreadable message ({type(exc).__name__})") from None


def frame(payload: bytes) -> bytes:
    return HEADER.pack(len(payload)) + payload


# -- framing, the same at both ends: a message is HEADER (its length) and the encoded payload

CHUNK = 1 << 20  # bytes asked of a channel at a time


def write_message(write, message) -> None:
    """Send ``message`` through ``write(view) -> number of bytes written``."""
    view = memoryview(frame(encode(message)))
    while view:
        view = view[write(view):]


def read_message(read, ended):
    """Receive one message through ``read(n) -> at most n bytes``.

    ``ended()`` is called when the channel ends before the message does; it must raise
    (or exit). A length over MAX_MESSAGE_BYTES is a WireError before the payload is read.
    """
    def exactly(n: int) -> bytes:
        parts, got = [], 0
        while got < n:
            chunk = read(min(CHUNK, n - got))
            if not chunk:
                ended()
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts)

    (n,) = HEADER.unpack(exactly(HEADER.size))
    if n > MAX_MESSAGE_BYTES:
        raise WireError(f"a message of {n} bytes, over the limit of {MAX_MESSAGE_BYTES}")
    return decode(exactly(n))
