"""ASR cost against bare faster-whisper, and the cost of spoken-language detection.

For each video: the speech analyzer's stretches are cut out once, then (a) the project's
``asr.transcribe`` and (b) faster-whisper's own ``WhisperModel.transcribe`` run on the same
audio with the same model and settings (best of ``--repeat`` runs each, words consumed);
(c) ``language.detect_language`` is timed on the same speech. Prints one line per video
and the ratio of the totals (target: ASR <= 1.1x bare, detection <= 0.2 s per video).

    .venv/bin/python benchmarks/bench_asr.py fixtures/videos/clean.mp4 ../shared/media/ugc/*.mp4
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoring.analyzers import AnalysisContext, build_analyzers  # noqa: E402
from scoring.analyzers.asr import AsrConfig, stretches, transcribe, whisper_model  # noqa: E402
from scoring.media import decode_clip  # noqa: E402
from scoring.services.language import TRANSCRIBED, detect_language, multilingual_model  # noqa: E402


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("videos", nargs="+")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cfg = AsrConfig()
    speech = next(a for a in build_analyzers("full") if a.name == "speech")
    t = time.perf_counter()
    whisper_model(cfg.threads), multilingual_model(cfg.threads)  # load once, outside the timings
    print(f"models loaded in {time.perf_counter() - t:.2f} s (once per process)")
    total_ours = total_bare = 0.0
    detections, first_calls = [], []
    for path in args.videos:
        clip = decode_clip(path)
        if clip.audio is None:
            continue
        sig = speech.analyze(clip, AnalysisContext())
        segs = [(e.t, e.end) for e in sig.events if e.kind == "speech" and e.end is not None]
        ranges = stretches(segs, clip.audio.duration_s, cfg.pad_s, cfg.merge_gap_s)
        if not ranges:
            print(f"{Path(path).name}: no speech")
            continue
        voiced = np.concatenate([clip.audio.samples[a:b] for a, b in ranges])
        t = time.perf_counter()
        detect_language(voiced, cfg.threads)  # the call a pipeline run makes: once, as it comes
        first_calls.append(time.perf_counter() - t)
        t_detect = best_of(lambda v=voiced: detect_language(v, cfg.threads), args.repeat)
        language, _ = detect_language(voiced, cfg.threads)
        detections.append(t_detect)
        if language not in TRANSCRIBED:
            print(f"{Path(path).name}: {language}, detection {t_detect:.3f} s, not transcribed")
            continue
        model = whisper_model(cfg.threads) if language == "en" else multilingual_model(cfg.threads)

        def bare(v=voiced, m=model, lang=language):
            segments, _ = m.transcribe(v, language=lang, beam_size=cfg.beam_size,
                                       temperature=list(cfg.temperatures), word_timestamps=True,
                                       vad_filter=False, condition_on_previous_text=True)
            return [w for s in segments for w in (s.words or [])]

        def ours(c=clip, r=ranges, lang=language):
            return transcribe(c.audio.samples, r, cfg, lang).words

        t_bare, t_ours = best_of(bare, args.repeat), best_of(ours, args.repeat)
        total_bare += t_bare
        total_ours += t_ours
        print(f"{Path(path).name}: {language}, {voiced.size / 16000:.1f} s of speech, bare {t_bare:.3f} s, "
              f"ours {t_ours:.3f} s ({t_ours / t_bare:.2f}x), detection {t_detect:.3f} s")
    if total_bare:
        print(f"ASR total: ours {total_ours:.2f} s / bare {total_bare:.2f} s = {total_ours / total_bare:.3f}x")
    if detections:
        print(f"language detection: median {np.median(detections):.3f} s, max {max(detections):.3f} s "
              f"over {len(detections)} videos (best of {args.repeat}); single calls as they come: "
              f"median {np.median(first_calls):.3f} s, max {max(first_calls):.3f} s "
              f"(the process's first call {first_calls[0]:.3f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
