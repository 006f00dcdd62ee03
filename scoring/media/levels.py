"""Audio levels measured on the source audio while it is decoded: loudness, peaks, clipping.

Everything here runs on every channel at the stream's own sample rate, block by block as
the decoder hands frames over, so memory does not grow with the video's length:

* integrated loudness (ITU-R BS.1770-4): pyloudnorm's K-weighting filters applied with
  carried filter state, 100 ms sums of squares per channel kept (a 10-minute video keeps
  6000 numbers per channel), then the 400 ms / 75 % overlap blocks, the BS.1770-4 channel
  weights (1.0 front, 1.41 surround, LFE left out) and the -70 LUFS absolute and -10 LU
  relative gates. Matches ``pyloudnorm.Meter(rate).integrated_loudness`` on the whole
  signal (tests: mono, dual mono, one channel, wide stereo, bright content);
* sample peak and true peak (4x oversampling, BS.1770-4 annex 2 style);
* clipping: the share of samples on flat tops (:func:`flat_top_samples`), or piled up at
  the clip level when the decoded audio overshoots full scale (:func:`pile_up_samples`).
"""

from __future__ import annotations

import functools
import math

import numpy as np

OVERSAMPLE = 4  # true peak: 4x oversampling
TRUE_PEAK_MIN_LEVEL = 0.25  # blocks quieter than this cannot set the true peak; not oversampled
HOP_S, BLOCK_HOPS = 0.1, 4  # gating blocks: 400 ms made of four 100 ms hops (75 % overlap)
ABSOLUTE_GATE_LUFS, RELATIVE_GATE_LU = -70.0, -10.0
SURROUND_WEIGHT = 1.41  # BS.1770-4 weight of surround channels
# Clipping: only frames with a sample this loud are kept for the flat-top search, and at
# most this many seconds of them (per channel), so the search is bounded too.
CLIP_MIN_LEVEL = 0.3
CLIP_KEEP_S = 30.0
CLIP_BAND_DB = 0.5  # a flat top stays within this many dB of the clip level
CLIP_SHOULDER_DROP = 0.4  # ... and falls by 40 % within half its length on each side
CLIP_OVERSHOOT_DB = 1.5  # ... or above it by at most this much (AAC's ringing)
PILE_WINDOW_DB, PILE_BIN_DB, PILE_RATIO = 9.0, 0.25, 1.5  # pile-up search: top 9 dB, 0.25 dB bins
CLIP_MIN_RUN = 3  # samples (after 5-tap smoothing, which removes AAC's ringing above fs/5)
OVERDRIVE_SHARE = 0.001  # this share of decoded samples over full scale: the source was driven into it


def channel_weights(names: list[str]) -> np.ndarray:
    """BS.1770-4 weights for FFmpeg channel names ('FL', 'FR', 'FC', 'LFE', 'SL', 'BL', ...)."""
    out = []
    for name in names:
        n = name.upper()
        if n.startswith("LFE"):
            out.append(0.0)
        elif n in ("SL", "SR", "BL", "BR", "BC", "SDL", "SDR", "TBL", "TBR", "TBC", "LS", "RS"):
            out.append(SURROUND_WEIGHT)
        else:
            out.append(1.0)
    return np.asarray(out, np.float64)


@functools.cache
def _k_weighting(rate: int) -> tuple[tuple[np.ndarray, np.ndarray, float], ...]:
    """pyloudnorm's BS.1770 K-weighting stages at ``rate``: ((b, a, passband gain), ...)."""
    import pyloudnorm

    meter = pyloudnorm.Meter(rate)
    return tuple((np.asarray(f.b, np.float64), np.asarray(f.a, np.float64), float(f.passband_gain))
                 for f in meter._filters.values())


@functools.cache
def _true_peak_fir() -> np.ndarray:
    """The oversampling low-pass, designed once (scipy.signal loads only when audio is decoded)."""
    from scipy.signal import firwin

    return firwin(48, 1.0 / OVERSAMPLE) * OVERSAMPLE


def gated_loudness(z: np.ndarray, weights: np.ndarray) -> float | None:
    """BS.1770-4 gated loudness, LUFS, from block mean squares ``z`` (shape (channels, blocks)).

    None without blocks or when every block is under the absolute gate (silence)."""
    if z.shape[1] == 0:
        return None
    power = weights @ z
    with np.errstate(divide="ignore"):
        lk = -0.691 + 10 * np.log10(power)
    gated = lk >= ABSOLUTE_GATE_LUFS
    if not gated.any():
        return None
    rel = -0.691 + 10 * math.log10(float(weights @ z[:, gated].mean(axis=1))) + RELATIVE_GATE_LU
    kept = gated & (lk > rel)
    if not kept.any():
        return None
    return -0.691 + 10 * math.log10(float(weights @ z[:, kept].mean(axis=1)))


def pile_up_samples(x: np.ndarray) -> int:
    """Samples of one channel (shape (n,)) in excess of a level histogram that falls toward the top.

    Over the top 12 dB (0.25 dB bins) the count of a natural signal falls as the level
    rises; a clipped one piles up at the clip level. The excess over the running minimum
    (from low levels up) counts. Only used when the decoded signal overshoots full scale
    (``OVERDRIVE_SHARE`` of the samples over 0 dBFS, not one transient): a codec's
    rendition of a waveform driven into full scale, whose
    flat tops low-bitrate AAC has rounded off; limited masters overshoot far less.
    """
    a = np.abs(x.astype(np.float64))
    peak = float(a.max()) if a.size else 0.0
    if peak < CLIP_MIN_LEVEL:
        return 0
    top_db = 20 * math.log10(peak)
    hist, _ = np.histogram(20 * np.log10(a[a >= peak * 10 ** (-12 / 20)]), bins=48, range=(top_db - 12, top_db))
    return int((hist - np.minimum.accumulate(hist)).sum())


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) indices of the True runs of a boolean array."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def flat_top_samples(x: np.ndarray) -> int:
    """Samples of one channel (shape (n,), float) that sit on flat tops: hard clipping.

    The signal is smoothed over 5 samples (AAC turns a flat top into ringing above a
    fifth of the rate; the smoothing takes it out). A flat top is a run of at least 3
    samples within ``CLIP_BAND_DB`` of the clip level whose shoulders, half the run's
    length beyond each end, have fallen by ``CLIP_SHOULDER_DROP``: a clipped waveform
    leaves its plateau steeply, while a rounded peak (a limiter's output, a bass note)
    falls by only ~22 % there (a parabola). The clip level is tried two ways and the
    larger count kept: the 99.9th percentile of the level, and the level where samples
    pile up (the fullest 0.1 dB bin of the top 3 dB, when it lies in the top 1.5 dB;
    after AAC, ringing overshoots the plateau, so the percentile alone lands too high).
    """
    if x.size < 16:
        return 0
    y = np.convolve(x.astype(np.float64), np.ones(5) / 5, mode="same")
    a = np.abs(y)
    peak = float(a.max())
    if peak < CLIP_MIN_LEVEL:
        return 0
    levels = [float(np.percentile(a, 99.9))]
    top_db = 20 * math.log10(peak)
    top = a[a >= peak * 10 ** (-PILE_WINDOW_DB / 20)]
    hist, edges = np.histogram(20 * np.log10(top), bins=int(PILE_WINDOW_DB / PILE_BIN_DB),
                               range=(top_db - PILE_WINDOW_DB, top_db))
    k = int(np.argmax(hist[4:-2])) + 4  # the fullest bin with neighbours on both sides
    above = hist[k + 2:k + 6].mean() if k + 2 < hist.size else 0.0
    below = hist[max(0, k - 6):k - 2].mean()
    if hist[k] > PILE_RATIO * max(above, below, 1.0):
        levels.append(10 ** (float(edges[k + 1]) / 20))
    best = 0
    for level in levels:
        lo, hi = level * 10 ** (-CLIP_BAND_DB / 20), level * 10 ** (CLIP_OVERSHOOT_DB / 20)
        count = 0
        for v in (y, -y):  # positive tops, then negative ones (a square wave flips sign)
            start, end = _runs((v >= lo) & (v <= hi))
            length = end - start
            ok = length >= CLIP_MIN_RUN
            start, end, length = start[ok], end[ok], length[ok]
            if not start.size:
                continue
            csum = np.concatenate([[0.0], np.cumsum(v)])
            mean = (csum[end] - csum[start]) / length
            half = np.maximum(length // 2, 2)
            left = v[np.clip(start - half, 0, v.size - 1)]
            right = v[np.clip(end - 1 + half, 0, v.size - 1)]
            drop = 1.0 - np.maximum(left, right) / np.maximum(mean, 1e-12)
            count += int(length[drop > CLIP_SHOULDER_DROP].sum())
        best = max(best, count)
    return best


class LevelMeter:
    """Streams source audio blocks (shape (channels, n), float in [-1, 1]) into levels.

    Args:
        rate: the stream's sample rate, Hz.
        channel_names: FFmpeg channel names, one per channel (sets the BS.1770 weights).
    """

    def __init__(self, rate: int, channel_names: list[str]) -> None:
        self.rate = int(rate)
        self.channels = max(1, len(channel_names))
        self.weights = channel_weights(channel_names or ["FC"])
        self.filters = _k_weighting(self.rate)
        self.state: list[np.ndarray | None] = [None] * len(self.filters)
        self.hop = self.rate * HOP_S
        self.hop_sums: list[np.ndarray] = []  # (channels,) sum of squares per 100 ms
        self.acc = np.zeros(self.channels)
        self.in_hop = 0
        self.n = 0
        self.peak = 0.0
        self.true_peak = 0.0
        self.loud: list[np.ndarray] = []
        self.loud_kept = 0
        self.loud_total = 0
        self.over = 0  # samples (all channels) above full scale
        # per decoded block: (first sample, sample peak, true peak or 0 when not measured,
        # samples over full scale, samples kept as loud): what levels_until() cuts by
        self.marks: list[tuple[int, float, float, int, int]] = []
        self.loud_starts: list[int] = []

    def _fit(self, block: np.ndarray) -> np.ndarray:
        c = block.shape[0]
        if c == self.channels:
            return block
        if c > self.channels:
            return block[: self.channels]
        return np.concatenate([block, np.zeros((self.channels - c, block.shape[1]), block.dtype)])

    def add(self, block: np.ndarray) -> None:
        """Measure one decoded block, shape (channels, n)."""
        from scipy.signal import lfilter, upfirdn

        block = self._fit(np.atleast_2d(block))
        if block.shape[1] == 0:
            return
        mag = np.abs(block)
        block_peak = float(mag.max())
        self.peak = max(self.peak, block_peak)
        block_tp = 0.0
        if block_peak >= TRUE_PEAK_MIN_LEVEL and 2 * block_peak > self.true_peak:
            over = upfirdn(_true_peak_fir(), block, up=OVERSAMPLE, axis=-1)
            block_tp = float(np.abs(over).max())
            self.true_peak = max(self.true_peak, block_tp)
        block_over = int(np.count_nonzero(mag > 1.0)) if block_peak > 1.0 else 0
        self.over += block_over
        loud = 0
        if block_peak >= CLIP_MIN_LEVEL:
            loud = block.shape[1]
            self.loud_total += loud
            if self.loud_kept < CLIP_KEEP_S * self.rate:
                self.loud.append(block.astype(np.float32))
                self.loud_starts.append(self.n)
                self.loud_kept += block.shape[1]
        self.marks.append((self.n, block_peak, block_tp, block_over, loud))
        y = block.astype(np.float64)
        for i, (b, a, gain) in enumerate(self.filters):
            if self.state[i] is None:
                self.state[i] = np.zeros((self.channels, max(len(a), len(b)) - 1))
            y, self.state[i] = lfilter(b, a, y, axis=-1, zi=self.state[i])
            y = y * gain
        sq = y * y
        pos = 0
        total = sq.shape[1]
        while pos < total:
            hop_end = int(round((len(self.hop_sums) + 1) * self.hop)) - self.n
            take = min(total - pos, max(hop_end, 1))
            self.acc += sq[:, pos:pos + take].sum(axis=1)
            pos += take
            self.n += take
            self.in_hop += take
            if take == hop_end:
                self.hop_sums.append(self.acc.copy())
                self.acc[:] = 0.0
                self.in_hop = 0

    def loudness(self, until: int | None = None) -> float | None:
        """Integrated loudness, LUFS, rounded to 0.01; None for < 0.4 s or silence.

        Block j spans hops j..j+3; a last block that runs past the end by less than half a
        hop is kept with the samples there are (as pyloudnorm rounds its block count).
        ``until``: only the first ``until`` samples (whole 100 ms hops) count."""
        hops = list(self.hop_sums)
        if self.in_hop:
            hops.append(self.acc.copy())
        n = self.n
        if until is not None and until < self.n:
            hops = hops[:int(until // self.hop)]
            n = int(len(hops) * self.hop)
        duration = n / self.rate
        n_blocks = int(round((duration - HOP_S * BLOCK_HOPS) / HOP_S)) + 1
        if duration < HOP_S * BLOCK_HOPS or n_blocks <= 0 or not hops:
            return None
        h = np.stack(hops, axis=1)  # (channels, n_hops)
        csum = np.concatenate([np.zeros((self.channels, 1)), np.cumsum(h, axis=1)], axis=1)
        j = np.arange(n_blocks)
        hi = np.minimum(j + BLOCK_HOPS, h.shape[1])
        z = (csum[:, hi] - csum[:, np.minimum(j, h.shape[1])]) / (HOP_S * BLOCK_HOPS * self.rate)
        value = gated_loudness(z, self.weights)
        return None if value is None else round(value, 2)

    def clipping_ratio(self, until: int | None = None) -> float:
        """Share of all samples (0-1) on flat tops, estimated from the loud frames kept
        (``until``: of the decoded blocks that start before that sample only)."""
        n, over, loud_total, loud = self.n, self.over, self.loud_total, self.loud
        if until is not None and until < self.n:
            before = [m for m in self.marks if m[0] < until]
            n = min(self.n, until)
            over, loud_total = sum(m[3] for m in before), sum(m[4] for m in before)
            loud = [b for b, start in zip(self.loud, self.loud_starts, strict=True) if start < until]
        if not loud or n == 0:
            return 0.0
        kept = np.concatenate(loud, axis=1)
        flat = sum(flat_top_samples(ch) for ch in kept)
        if over >= OVERDRIVE_SHARE * n * self.channels:
            flat = max(flat, sum(pile_up_samples(ch) for ch in kept))
        share_of_loud = flat / kept.size
        return float(share_of_loud * loud_total / n)

    def levels_until(self, end_s: float) -> tuple[float, float, float, float | None]:
        """(sample peak, true peak (linear, full scale = 1), clipping ratio, integrated loudness
        LUFS) of the audio before ``end_s`` seconds: what a platform end card cut off the
        clip leaves (its jingle is not the creator's sound). Blocks are the decoder's
        (about 20 ms); loudness counts whole 100 ms hops."""
        until = int(round(end_s * self.rate))
        before = [m for m in self.marks if m[0] < until]
        peak = max((m[1] for m in before), default=0.0)
        # a block's true peak is measured only when it could raise the running maximum,
        # so the maximum over the blocks measured before the cut is the cut's true peak
        true_peak = max((m[2] for m in before), default=0.0)
        return peak, max(true_peak, peak), self.clipping_ratio(until), self.loudness(until)
