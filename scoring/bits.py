"""Bit-packed fingerprints as hex text (shared by the fingerprint analyzer and the shortlist)."""

from __future__ import annotations

import numpy as np


def pack_bits(bits: np.ndarray) -> str:
    """Bool array (frames, k) -> hex string (row count and width are recoverable by the caller)."""
    return np.packbits(bits.reshape(-1)).tobytes().hex()


def unpack_bits(text: str, width: int) -> np.ndarray:
    """Hex string -> bool array (rows, width); trailing pad bits are dropped."""
    raw = np.unpackbits(np.frombuffer(bytes.fromhex(text), np.uint8)).astype(bool)
    rows = raw.size // width
    return raw[: rows * width].reshape(rows, width)
