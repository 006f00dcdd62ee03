"""sparkscout train: Ads Manager exports joined to stored runs, fitted, cross-validated,
registered, refused when unsafe or too small. Runs are synthetic (features.parquet +
ranking.json written here), so nothing is decoded."""

from __future__ import annotations

import csv
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from scoring.cli import main
from scoring.errors import ConfigError
from scoring.scorers.registry import default_version, load_scorer
from scoring.store import write_features_parquet
from scoring.training.dataset import build_dataset, load_runs
from scoring.training.labels import read_labels
from scoring.training.metrics import ndcg_at, pairwise_accuracy, spearman
from scoring.training.targets import bradley_terry, derive_target
from scoring.training.train import MIN_ROWS, NotEnoughData, TrainOptions, train

ADS_HEADER = ["Campaign name", "Ad group name", "Ad name", "Ad ID", "Post ID", "Impressions", "Clicks (destination)",
              "CTR (destination)", "Conversions", "Cost per conversion", "Cost (USD)", "2-second video views",
              "6-second video views", "Video views at 25%", "Video views at 50%", "Video views at 75%",
              "Video views at 100%", "Average play time per video view"]


def hook_features(rng: np.random.Generator) -> dict:
    """One video's hook features, in the ranges the analyzers produce."""
    first = float(rng.uniform(0, 4)) if rng.random() > 0.15 else None
    return {
        "faces.first_s": first, "faces.in_hook": first is not None and first < 3,
        "faces.max_area_ratio": float(rng.uniform(0.01, 0.8)) if first is not None else None,
        "speech.onset_s": float(rng.uniform(0, 5)), "speech.in_hook_s": float(rng.uniform(0, 2)),
        "onscreen_text.in_hook": bool(rng.random() > 0.5), "onscreen_text.outside_share": float(rng.uniform(0, 1)),
        "cuts.first_cut_s": float(rng.uniform(0.2, 8)), "cuts.shots_in_hook": int(rng.integers(1, 7)),
        "cuts.hook_motion": float(rng.uniform(0, 20)), "cuts.sound_start_s": float(rng.uniform(0, 2)),
        "hook_phrases.is_hook": bool(rng.random() > 0.5), "hook_phrases.similarity": float(rng.uniform(0.2, 0.7)),
    }


def quality(f: dict) -> float:
    """The known function the labels come from: bigger faces, more motion, earlier speech.
    The prior saturates (area above 15 %, motion above 3) where this keeps rising."""
    area = f["faces.max_area_ratio"] if f["faces.max_area_ratio"] is not None else 0.0
    return 2.5 * area + 0.08 * f["cuts.hook_motion"] - 0.15 * f["speech.onset_s"]


def make_run(folder: Path, n: int, seed: int = 0, prefix: str = "clip") -> list[dict]:
    """A stored run of n videos (no media): ranking.json + features.parquet."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    videos, rows = [], []
    for i in range(n):
        feats = hook_features(rng)
        vid = f"sha256:{seed:04d}{i:060d}"
        path = f"/media/{prefix}_{i:02d}.mp4"
        post = f"https://www.tiktok.com/@creator{i}/video/{7300000000000000000 + seed * 1000 + i}"
        videos.append({"video_id": vid, "path": path, "post_url": post, "status": "ok", "features": feats})
        rows.append({"video_id": vid, "path": path, **feats})
    doc = {"run": {}, "videos": [{k: v for k, v in x.items() if k != "features"} for x in videos]}
    (folder / "ranking.json").write_text(json.dumps(doc))
    write_features_parquet(folder / "features.parquet", rows)
    return videos


def ads_rows(videos: list[dict], seed: int = 1, few: int = 5, unmatched: int = 4) -> list[list]:
    """Ads Manager rows: CTR from quality() plus noise; some ads with few impressions;
    some ads whose post is not in the runs; joined by post id, ad name or ad name containing it."""
    rng = np.random.default_rng(seed)
    rows = []
    for i, v in enumerate(videos):
        ctr = 0.01 * float(np.exp(0.6 * quality(v["features"]) + rng.normal(0, 0.08)))
        imps = 400 if i < few else int(rng.integers(40_000, 120_000))
        clicks = int(rng.binomial(imps, min(ctr, 0.5)))
        stem = Path(v["path"]).stem
        post_id = v["post_url"].rsplit("/", 1)[1] if i % 3 == 0 else ""
        name = stem if i % 3 == 1 else f"{stem} - spark v2" if i % 3 == 2 else f"ad {i}"
        conv = int(clicks * 0.1)
        cost = imps * 0.008
        rows.append(["Q3 cold brew", "broad", name, f"18{i:08d}", post_id, f"{imps:,}", f"{clicks:,}",
                     f"{100 * clicks / imps:.2f}%", conv, f"${cost / conv:.2f}" if conv else "-", f"${cost:,.2f}",
                     int(imps * 0.6), int(imps * 0.3), int(imps * 0.5), int(imps * 0.35), int(imps * 0.2),
                     int(imps * 0.1), "4.2"])
    for j in range(unmatched):
        rows.append(["Q3 cold brew", "broad", f"old creative {j}", f"19{j:08d}", f"72{j:017d}", "5,000", "40",
                     "0.80%", 2, "$20.00", "$40.00", 3000, 1500, 2500, 1800, 1000, 500, "3.1"])
    rows.append(["Total of 50 results", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""])
    return rows


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """64 videos in a stored run and their Ads Manager export (68 ads: 4 for other posts)."""
    root = tmp_path_factory.mktemp("study")
    videos = make_run(root / "run", 64)
    export = write_csv(root / "ads_manager.csv", ADS_HEADER, ads_rows(videos))
    return root, videos, export


@pytest.fixture(scope="module")
def trained(study):
    root, videos, export = study
    models = root / "registry"
    result = train(TrainOptions(runs=[str(root / "run")], labels=str(export), version="t-ctr", target="ctr",
                                subscore="hook", models_dir=str(models)), log=lambda m: None)
    return result, models


def test_ads_manager_export_is_read_and_joined_with_every_row_accounted_for(study):
    root, videos, export = study
    labels = read_labels(export)
    assert labels.kind == "ads_manager"
    assert len(labels.rows) == 68 and any("summary row" in s for s in labels.skipped)
    row = labels.rows[0]
    assert row.values["impressions"] == 400 and row.values["cost"] == pytest.approx(3.2)
    assert row.ids["post_id"] == "7300000000000000000"
    runs, _ = load_runs([root / "run"])
    ds = build_dataset(labels, runs, "ctr")
    rep = ds.report
    assert len(rep.matched) == 64 and len(rep.unmatched) == 4 and not rep.ambiguous
    keys = {k for _, k in rep.matched.values()}
    assert keys == {"post_id", "ad_name"}
    assert len(ds.y) == 64


def test_ambiguous_ad_name_is_reported_not_dropped(tmp_path):
    make_run(tmp_path / "a", 3, seed=0, prefix="clip")
    make_run(tmp_path / "b", 3, seed=1, prefix="clip")  # same file names, other videos
    export = write_csv(tmp_path / "ads.csv", ["Ad name", "Impressions", "Clicks (destination)"],
                       [["clip_00", "1000", "10"], ["nothing like it", "1000", "5"]])
    runs, _ = load_runs([tmp_path / "a", tmp_path / "b"])
    with pytest.raises(ConfigError) as err:  # nothing usable: the message carries the report
        build_dataset(read_labels(export), runs, "ctr")
    assert "1 unmatched, 1 ambiguous" in str(err.value) and "matches 2 videos" in str(err.value)


def test_xlsx_export_reads_like_the_csv(study, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    _, videos, export = study
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(ADS_HEADER)
    for r in ads_rows(videos):
        sheet.append(r)
    book.save(tmp_path / "export.xlsx")
    a, b = read_labels(export), read_labels(tmp_path / "export.xlsx")
    assert [r.values for r in a.rows] == [r.values for r in b.rows]
    assert [r.ids for r in a.rows] == [r.ids for r in b.rows]


def test_rates_are_shrunk_toward_the_pool_and_cpa_is_lower_better(tmp_path):
    export = write_csv(tmp_path / "a.csv", ["Ad name", "Impressions", "Clicks (destination)", "Cost", "Conversions"],
                       [["a", "100", "10", "$50", "0"], ["b", "100000", "1000", "$500", "50"]])
    labels = read_labels(export)
    ctr = derive_target(labels, "ctr")
    assert ctr.pooled == pytest.approx(1010 / 100100)
    assert ctr.raw[0] == pytest.approx(0.10)
    assert ctr.values[0] == pytest.approx((10 + ctr.pooled * 2000) / 2100)  # 10 % on 100 impressions: ~1.4 %
    assert ctr.values[1] == pytest.approx((1000 + ctr.pooled * 2000) / 102000)
    cpa = derive_target(labels, "cpa")
    assert not cpa.higher_is_better and cpa.pooled == pytest.approx(11.0)
    assert cpa.values[0] == pytest.approx((50 + 11 * 5) / 5)


def test_metrics_known_answers():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert spearman(y, y) == pytest.approx(1.0) and spearman(-y, y) == pytest.approx(-1.0)
    assert pairwise_accuracy(y, y) == 1.0 and pairwise_accuracy(np.zeros(4), y) == 0.5
    assert pairwise_accuracy(y, y, [(0, 1)]) == 0.0
    assert ndcg_at(y, y, 5) == pytest.approx(1.0) and ndcg_at(-y, y, 5) < 0.8
    s = bradley_terry([("a", "b"), ("a", "c"), ("b", "c")])
    assert s["a"] > s["b"] > s["c"]


def test_fitted_model_beats_the_prior_on_the_same_folds(trained):
    result, models = trained
    summary = result.cv.summary
    assert summary["candidate"]["spearman"]["mean"] >= 0.8
    assert summary["candidate"]["spearman"]["mean"] > summary["current"]["spearman"]["mean"]
    assert result.cv.diff["spearman"]["low"] > 0  # the interval of the gain excludes 0
    assert summary["candidate"]["pairwise"]["mean"] > summary["current"]["pairwise"]["mean"]
    spec = json.loads((models / "hook" / "t-ctr" / "model.json").read_text())
    assert spec["kind"] == "rules" and spec["training"]["rows"] == 64 and spec["training"]["target"] == "ctr"
    for term in spec["terms"]:  # monotone curves
        ys = [p[1] for p in term["curve"]]
        assert ys == sorted(ys) or ys == sorted(ys, reverse=True)
    card = (models / "hook" / "t-ctr" / "card.md").read_text()
    assert "data hash" in card and f"hook@{default_version('hook')}" in card and "scikit-learn" in card


def test_scoring_with_the_trained_model_moves_the_ranking_the_expected_way(trained):
    _, models = trained
    new, prior = load_scorer("hook@t-ctr", [models]), load_scorer("hook@prior-1", [models])
    rng = np.random.default_rng(99)  # videos the model never saw
    fresh = [hook_features(rng) for _ in range(60)]
    truth = np.array([quality(f) for f in fresh])
    new_s = np.array([new.score(f).value for f in fresh])
    prior_s = np.array([prior.score(f).value for f in fresh])
    assert spearman(new_s, truth) >= 0.8 and spearman(new_s, truth) > spearman(prior_s, truth) + 0.2
    base = hook_features(np.random.default_rng(5)) | {"faces.first_s": 0.2, "faces.in_hook": True,
                                                      "speech.onset_s": 0.5}
    big = base | {"faces.max_area_ratio": 0.7, "cuts.hook_motion": 18.0}
    small = base | {"faces.max_area_ratio": 0.2, "cuts.hook_motion": 4.0}
    assert new.score(big).value > new.score(small).value  # the data: bigger face, more motion wins
    assert prior.score(big).value <= prior.score(small).value + 1  # the prior barely tells them apart
    assert new.score(big).reasons  # reasons still come out of the fitted terms


def test_fewer_than_30_rows_refuses_without_force(study, tmp_path):
    root, videos, _ = study
    export = write_csv(tmp_path / "few.csv", ADS_HEADER, ads_rows(videos[:20], unmatched=0))
    opts = dict(runs=[str(root / "run")], labels=str(export), version="few", target="ctr", subscore="hook",
                models_dir=str(tmp_path / "reg"), bootstrap=20)
    with pytest.raises(NotEnoughData, match=f"at least {MIN_ROWS}"):
        train(TrainOptions(**opts), log=lambda m: None)
    assert not (tmp_path / "reg" / "hook" / "few").exists()
    rc = main(["train", "--runs", str(root / "run"), "--labels", str(export), "--target", "ctr", "--subscore", "hook",
               "--name", "few", "--models-dir", str(tmp_path / "reg")])
    assert rc == 2 and not (tmp_path / "reg" / "hook" / "few").exists()
    forced = train(TrainOptions(**opts, force=True), log=lambda m: None)
    assert forced.folder.is_dir() and forced.spec["training"]["forced"] is True


def test_sklearn_alternatives_save_with_skops_and_refuse_tampering(study, tmp_path):
    pytest.importorskip("skops")
    root, _, export = study
    reg = tmp_path / "reg"
    for kind in ("linear", "gbm"):
        r = train(TrainOptions(runs=[str(root / "run")], labels=str(export), version=f"t-{kind}", target="ctr",
                               subscore="hook", kind=kind, models_dir=str(reg), folds=3, bootstrap=20),
                  log=lambda m: None)
        assert r.cv.summary["candidate"]["spearman"]["mean"] > r.cv.summary["current"]["spearman"]["mean"]
        scorer = load_scorer(f"hook@t-{kind}", [reg])
        assert 0 <= scorer.score(hook_features(np.random.default_rng(1))).value <= 100
    folder = reg / "hook" / "t-linear"
    artifact = folder / "model.skops"
    good = artifact.read_bytes()
    artifact.write_bytes(good[:-40] + bytes(40))  # tampered
    with pytest.raises(ConfigError, match="SHA-256 does not match"):
        load_scorer("hook@t-linear", [reg])
    artifact.write_bytes(pickle.dumps({"not": "a model"}))  # a pickle in its place
    with pytest.raises(ConfigError, match="is a pickle"):
        load_scorer("hook@t-linear", [reg])
    artifact.write_bytes(good)
    spec_path = folder / "model.json"
    spec = json.loads(spec_path.read_text())
    spec["libraries"]["scikit-learn"] = "0.24.2"
    spec_path.write_text(json.dumps(spec))
    with pytest.raises(ConfigError, match="trained with scikit-learn 0.24.2"):
        load_scorer("hook@t-linear", [reg])


def test_pairwise_preferences_train_and_eval_compares_two_versions(study, trained, tmp_path, capsys):
    root, videos, _ = study
    _, models = trained
    rng = np.random.default_rng(3)
    pairs = []
    for _ in range(150):
        a, b = rng.choice(len(videos), 2, replace=False)
        qa, qb = quality(videos[a]["features"]), quality(videos[b]["features"])
        better, worse = (a, b) if qa > qb else (b, a)
        pairs.append([Path(videos[better]["path"]).name, Path(videos[worse]["path"]).name])
    picks = write_csv(tmp_path / "picks.csv", ["better", "worse"], pairs)
    r = train(TrainOptions(runs=[str(root / "run")], labels=str(picks), version="t-pairs", subscore="hook",
                           models_dir=str(models), bootstrap=50), log=lambda m: None)
    assert r.dataset.target == "preference" and len(r.dataset.pairs) == 150
    assert r.cv.summary["candidate"]["pairwise"]["mean"] > r.cv.summary["current"]["pairwise"]["mean"]
    rc = main(["eval", "--labels", str(picks), "--runs", str(root / "run"), "--models", "hook@prior-1",
               "hook@t-ctr", "--models-dir", str(models), "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["models"] == ["hook@prior-1", "hook@t-ctr"] and out["rows"] == 64
    assert out["difference"]["pairwise"]["mean"] > 0
    assert out["metrics"]["hook@t-ctr"]["pairwise"]["mean"] > 0.75


def test_models_list_shows_versions_and_refuses_overwrite(trained, study, capsys):
    root, _, export = study
    _, models = trained
    assert main(["models", "list", "--models-dir", str(models)]) == 0
    out = capsys.readouterr().out
    assert "hook@prior-1" in out and "hook@t-ctr" in out and "trained" in out and "target ctr" in out
    assert main(["models", "show", "hook@t-ctr", "--models-dir", str(models)]) == 0
    assert "# hook@t-ctr" in capsys.readouterr().out
    with pytest.raises(ConfigError, match="already exists"):
        train(TrainOptions(runs=[str(root / "run")], labels=str(export), version="t-ctr", target="ctr",
                           subscore="hook", models_dir=str(models)), log=lambda m: None)


def test_campaign_models_table_picks_a_trained_version_and_the_run_records_it(trained, small_clip, tmp_path):
    from scoring.api import score

    _, models = trained
    ranking = score([str(small_clip)], campaign={"models": {"hook": "hook@t-ctr"}}, workers=1, cache_dir=False,
                    profile="fast", models_dir=str(models), out=str(tmp_path / "out"))
    assert ranking.run["models"]["hook"] == "hook@t-ctr"
    assert ranking.run["models"]["visual_clarity"] == f"visual_clarity@{default_version('visual_clarity')}"
    assert ranking.videos[0].models["hook"] == "hook@t-ctr"
    doc = json.loads((tmp_path / "out" / "ranking.json").read_text())
    assert doc["run"]["models"]["hook"] == "hook@t-ctr"
    with pytest.raises(ConfigError, match="hook@nope not found"):
        score([str(small_clip)], campaign={"models": {"hook": "hook@nope"}}, workers=1, cache_dir=False,
              profile="fast", models_dir=str(models))


def test_default_model_follows_the_estimator_contract():
    from sklearn.base import clone

    from scoring.training.fit import MonotoneRuleModel

    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (60, 2))
    X[:6, 1] = np.nan  # measured, absent
    y = X[:, 0] + 0.01 * rng.normal(size=60)
    model = MonotoneRuleModel(["a", "b"])
    assert model.fit(X, y) is model and clone(model).get_params() == model.get_params()
    assert [t["feature"] for t in model.spec_["terms"]] == ["a"]  # b is noise: screened out
    pred = model.predict(np.array([[0.1, 0.5], [0.5, 0.5], [0.9, np.nan]]))
    assert pred[0] < pred[1] < pred[2]


def test_ratings_file_text_columns_are_ignored_and_bad_numbers_named(tmp_path):
    good = tmp_path / "ratings.csv"
    good.write_text("path,strategist,rating\na.mp4,Ana,4\nb.mp4,Bo,2.5\n")
    labels = read_labels(good)
    assert labels.kind == "ratings" and labels.numeric_columns() == ["rating"]
    assert any("strategist" in s for s in labels.skipped)
    bad = tmp_path / "bad.csv"
    bad.write_text("path,rating\na.mp4,4\nb.mp4,great\n")
    with pytest.raises(ConfigError, match=r"bad.csv: row 2, column 'rating': expected a number, got 'great'"):
        read_labels(bad)
    jsonl = tmp_path / "r.jsonl"
    jsonl.write_text('{"video_id": "sha256:ab", "rating": 3}\n{"video_id": "sha256:cd", "rating": null}\n')
    assert [r.values["rating"] for r in read_labels(jsonl).rows] == [3.0, None]
