"""The ``sparkscout`` command line. Exit codes: 0 done (failed videos are listed),
1 internal error, 2 usage or configuration error (nothing written), 3 a video failed
and ``--fail-on-error`` was given."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from tqdm import tqdm

from scoring import __version__
from scoring.engines.base import DEFAULT_TIMEOUT_S
from scoring.errors import ConfigError, MediaError
from scoring.training.commands import add_eval_options, add_train_parser, cmd_eval_models, cmd_train

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_VIDEO_FAILED = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors exit 2 with the message (argparse default too)
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"sparkscout: error: {message}\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="sparkscout", description="Score creator videos as candidate Spark Ads and rank them.")
    p.add_argument("--version", action="version", version=f"sparkscout {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser("score", help="score and rank videos; write ranking.json, CSV, Parquet, SQLite, report")
    s.add_argument("paths", nargs="*", help="video files or folders (searched recursively)")
    s.add_argument("--manifest", help="CSV or JSONL with a 'path' column, creator and engagement counts")
    s.add_argument("--campaign", help="campaign TOML (see pipelines/demo.toml)")
    s.add_argument("--out", default="sparkscout-out", help="output folder (default: %(default)s)")
    s.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="local: worker processes on this machine; ray: Ray actors, locally or on a cluster "
                        "(pip install 'sparkscout[ray]') (default: %(default)s)")
    s.add_argument("--ray-address", help="Ray cluster to join with --engine ray: its head node's HOST:PORT (e.g. 10.0.0.5:6379), "
                                         "auto, or ray://HOST:10001 (default: a private Ray instance on this "
                                         "machine); see README 'Scaling out'")
    s.add_argument("--ship-videos", action="store_true",
                   help="with --engine ray: send each video's bytes to the workers through Ray's object store, for "
                        "workers that do not see the videos' filesystem (automatic once a worker cannot see a path)")
    s.add_argument("--workers", type=int, default=None, help="worker processes (default: every core)")
    s.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="SECONDS",
                   help="per-video limit; a video still running then fails with 'timeout' (default: %(default)g)")
    s.add_argument("--no-resume", action="store_true",
                   help="recompute videos already stored in OUT/results.sqlite by an earlier (interrupted) run")
    s.add_argument("--profile", choices=("fast", "full"), default="full",
                   help="fast skips speech recognition, OCR, DNSMOS and CLIP (default: %(default)s)")
    s.add_argument("--cache-dir", help="feature cache folder (default: ~/.cache/sparkscout)")
    s.add_argument("--no-cache", action="store_true", help="do not read or write the feature cache")
    s.add_argument("--models-dir", help="trained-model registry for the campaign's [models] "
                                        "(default: ~/.local/share/sparkscout/models)")
    s.add_argument("--brand", metavar="NAME", help="the brand to look and listen for (instead of, or over, the "
                                                    "campaign's 'brand')")
    s.add_argument("--product", metavar="NAME", action="append",
                   help="a product name to look and listen for; repeat for several (replaces the campaign's 'products')")
    s.add_argument("--shortlist-size", type=_positive_int, metavar="N",
                   help="how many videos to shortlist (default: the campaign's shortlist_size, else 5)")
    s.add_argument("--top", type=_positive_int, default=20, metavar="N",
                   help="rows of the ranking table printed at the end (default: %(default)s)")
    s.add_argument("--json", action="store_true", help="print the ranking JSON on stdout")
    s.add_argument("--quiet", action="store_true", help="no progress or summary on stderr")
    s.add_argument("--fail-on-error", action="store_true", help="exit 3 if any video failed")
    s.add_argument("--ledger", metavar="PATH", help="the team's ad-code ledger (default: the campaign's 'ledger', "
                   "else $XDG_DATA_HOME/sparkscout/ledger.sqlite); see 'sparkscout ledger'")
    s.add_argument("--no-ledger", action="store_true", help="neither read nor record decisions in a ledger")

    r = sub.add_parser("report", help="rebuild DIR/report.html from DIR/ranking.json")
    r.add_argument("dir")
    r.add_argument("--open", action="store_true", help="open it in the default web browser")

    pr = sub.add_parser("probe", help="show what the decoder sees in a file, or why it cannot read it")
    pr.add_argument("file")
    pr.add_argument("--json", action="store_true")

    e = sub.add_parser("eval", help="accuracy of the evidence against a ground-truth suite (JSON)")
    e.add_argument("suite", nargs="?", help='JSON file: {"clips": [{"path": ..., "<evidence key>": truth, ...}]}')
    e.add_argument("--out", default="eval-out", help="folder for eval.json (default: %(default)s)")
    e.add_argument("--campaign", help="campaign TOML (brand and product terms for mention checks)")
    e.add_argument("--workers", type=int, default=None)
    e.add_argument("--json", action="store_true", help="print eval.json on stdout")
    e.add_argument("--tuned", help="comma-separated clip names rules were tuned on: metrics are also given "
                                   "separately for those and for the held-out rest")
    add_eval_options(e)
    add_train_parser(sub)

    m = sub.add_parser("models", help="list or show scorer models in the registry")
    m.add_argument("action", choices=("list", "show"))
    m.add_argument("ref", nargs="?", help="NAME[@VERSION] for show")
    m.add_argument("--models-dir", help="trained-model registry (default: ~/.local/share/sparkscout/models)")

    from scoring.ledger.cli import add_parsers as add_ledger_parsers

    add_ledger_parsers(sub)
    return p


def _status_printer(quiet: bool):
    """One-line status messages ("loading models…") on stderr."""
    def show(text: str) -> None:
        if not quiet:
            print(f"sparkscout: {text}", file=sys.stderr, flush=True)

    return show


def _progress_printer(quiet: bool):
    """A tqdm progress bar with ETA on a terminal; one line per video when stderr is a log.

    The ETA comes from the rate observed since the first video finished, so model
    loading and the first video's warm-up do not inflate it (tqdm's own estimate counts
    from the start, so the bar shows ours instead).
    """
    tty = sys.stderr.isatty()
    failed = 0
    first: tuple[float, int] | None = None
    bar = None

    def show(done: int, total: int, result) -> None:
        nonlocal failed, first, bar
        if quiet:
            return
        now = time.perf_counter()
        failed += result.status != "ok"
        if first is None:
            first = (now, done)
        # Workers finish their first videos together: wait for a few more results and a
        # few seconds before trusting the rate.
        span, count = now - first[0], done - first[1]
        if count >= 2 and span >= 5.0:
            eta_text = f"ETA {(total - done) * span / count:.0f} s"
        else:
            eta_text = "ETA …"
        if tty:
            if bar is None:
                bar = tqdm(total=total, initial=done - 1, file=sys.stderr, ascii=False, dynamic_ncols=True,
                           bar_format="{bar:28} {n_fmt}/{total_fmt} videos · {desc}")
            bar.set_description_str(f"{failed} failed · {eta_text}", refresh=False)
            bar.update(done - bar.n)
            bar.refresh()  # every video: a result is rare enough, and tqdm would skip fast ones
            if done >= total:
                bar.close()
            return
        status = "ok" if result.status == "ok" else f"FAILED ({result.error['code']}: {result.error['message']})"
        print(f"[{done:>{len(str(total))}}/{total}] {Path(result.ref.path).name}: {status} "
              f"{result.seconds:.1f} s · {eta_text}", file=sys.stderr, flush=True)

    return show


def _why(v) -> str:
    """The gate, must-have or composite cap that holds a video down, for the table."""
    for kind, label in (("gate", "gate"), ("must_have", "must-have"), ("cap", "capped")):
        for r in v.reasons or []:
            if r.get("kind") == kind and (kind != "cap" or r.get("subscore_impact") is None):
                text = " ".join(str(r.get("text", "")).split())
                return f"  [{label}: {text[:70]}{'…' if len(text) > 70 else ''}]"
    return ""


def _summary(ranking, out: str, top: int = 20) -> str:
    """The ranked table printed at the end of a run (★ = shortlisted; the gate or cap that
    holds a video down in brackets)."""
    rank_of = {v.video_id: v.rank for v in ranking.videos}
    lines = [f"{'rank':>4}  {'score':>5}  {'recommendation':<16} video"]
    for v in ranking.videos[:top]:
        score = "" if v.score is None else f"{v.score:.1f}"
        rank = "-" if v.rank is None else str(v.rank)
        star = "★" if v.shortlisted else " "
        extra = f"  [{v.error['code']}: {v.error.get('message', '')}]" if v.error else _why(v)
        if v.duplicate_of:
            extra += f"  (near-duplicate of #{rank_of.get(v.duplicate_of)})"
        if v.ledger:
            extra += f"  [ledger: {v.ledger['summary']}]"
        lines.append(f"{rank:>4}{star} {score:>5}  {v.recommendation:<16} {Path(v.path).name}"
                     f"{' ' + v.creator if v.creator else ''}{extra}")
    if len(ranking.videos) > top:
        lines.append(f"… {len(ranking.videos) - top} more in {out}/ranking.csv (--top N shows more)")
    lines.append(f"wrote {out}/: report.html, requests.md, ranking.json, ranking.csv, features.parquet, results.sqlite")
    if ranking.run.get("ledger"):
        lines.append(f"ledger {ranking.run['ledger']}: review with 'sparkscout serve {out}' or 'sparkscout ledger list'")
    return "\n".join(lines)


def _prestart_workers(args) -> None:
    """Start the local workers now, so they import the pipeline while this process does
    (a cold run prints its first result sooner). As many as the run will use for the videos
    the arguments name; a run that needs another count (cached videos) stops them."""
    if args.engine != "local":
        return
    from scoring.engines import local
    from scoring.inputs import collect

    try:
        videos = len(collect(args.paths, args.manifest))
    except Exception:  # noqa: BLE001 - the run reports a bad list; starting early is only a nicety
        return
    local.prestart(min(args.workers or local.default_workers(), videos))


def cmd_score(args) -> int:
    _prestart_workers(args)
    from scoring.api import resolve_campaign, score
    from scoring.campaign import with_overrides

    cache = False if args.no_cache else args.cache_dir
    campaign = args.campaign
    if args.brand is not None or args.product or args.shortlist_size:
        campaign = with_overrides(resolve_campaign(args.campaign), brand=args.brand, products=args.product,
                                  shortlist_size=args.shortlist_size)
    ranking = score(args.paths, manifest=args.manifest, campaign=campaign, out=args.out,
                    workers=args.workers, profile=args.profile, cache_dir=cache,
                    progress=_progress_printer(args.quiet), status=_status_printer(args.quiet),
                    engine=args.engine, ray_address=args.ray_address, ship_videos=args.ship_videos,
                    timeout=args.timeout,
                    resume=not args.no_resume, ledger=False if args.no_ledger else (args.ledger or True),
                    models_dir=args.models_dir)
    if args.json:
        print(json.dumps(ranking.to_dict(), indent=2, ensure_ascii=False))
    if not args.quiet:
        print(_summary(ranking, args.out, args.top), file=sys.stderr)
    if args.fail_on_error and ranking.failed:
        return EXIT_VIDEO_FAILED
    return EXIT_OK


def cmd_report(args) -> int:
    from scoring.api import report_timeline
    from scoring.report import write_report
    from scoring.store import read_ranking

    path = Path(args.dir) / "ranking.json"
    if not path.is_file():
        raise ConfigError(f"{path}: not found (run 'sparkscout score --out {args.dir}' first)")
    report = write_report(read_ranking(args.dir), args.dir, report_timeline())
    print(report)
    if args.open:
        import webbrowser

        if not webbrowser.open(Path(report).resolve().as_uri()):
            print(f"sparkscout: no web browser found; open {report} yourself", file=sys.stderr)
    return EXIT_OK


def cmd_probe(args) -> int:
    from scoring.media import probe

    try:
        info = probe(args.file)
    except MediaError as exc:
        print(f"sparkscout probe: {exc.code}: {exc}", file=sys.stderr)
        return EXIT_VIDEO_FAILED
    data = info.to_dict()
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        for key, value in data.items():
            print(f"{key:>20}: {value}")
    return EXIT_OK


def cmd_models(args) -> int:
    from scoring.scorers.registry import load_spec, model_dir
    from scoring.training.registry import format_versions, model_roots, versions

    roots = model_roots(args.models_dir)
    if args.action == "list":
        print(format_versions(versions(roots)))
        return EXIT_OK
    if not args.ref:
        raise ConfigError("models show needs NAME[@VERSION]")
    if "@" not in args.ref:  # every version of that name
        table = versions(roots)
        if args.ref not in table:
            from scoring.campaign import did_you_mean

            raise ConfigError(f"no model named {args.ref!r}; {did_you_mean(args.ref, list(table))}")
        print(format_versions({args.ref: table[args.ref]}) + "\n")
    card = model_dir(args.ref, roots) / "card.md"
    print(card.read_text() if card.is_file() else json.dumps(load_spec(args.ref, roots), indent=2))
    return EXIT_OK


def cmd_eval(args) -> int:
    from scoring.evaluate import evaluate, format_result

    if args.labels:
        return cmd_eval_models(args)
    if not args.suite:
        raise ConfigError("eval needs SUITE.json, or --labels FILE --runs DIR... --models REF REF")
    tuned = {n.strip() for n in args.tuned.split(",") if n.strip()} if getattr(args, "tuned", None) else None
    result = evaluate(args.suite, out=args.out, campaign=args.campaign, workers=args.workers, tuned=tuned)
    print(json.dumps(result, indent=2) if args.json else format_result(result))
    return EXIT_OK


def cmd_ledger(args) -> int:
    from scoring.ledger.cli import cmd_ledger as run

    return run(args)


def cmd_serve(args) -> int:
    from scoring.ledger.cli import cmd_serve as run

    return run(args)


COMMANDS = {"score": cmd_score, "report": cmd_report, "probe": cmd_probe, "eval": cmd_eval, "models": cmd_models,
            "ledger": cmd_ledger, "train": cmd_train, "serve": cmd_serve}


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout replaced (tests) or already closed
        pass


def _interrupted(args) -> str:
    """The one line printed on Ctrl-C: what was kept, and how to go on."""
    if args.command != "score":
        return "sparkscout: interrupted"
    kept = f"videos finished so far are kept in {args.out}/results.sqlite (run the same command again to go on)"
    if not args.no_cache:
        kept += "; computed features stay in the cache"
    return f"sparkscout: interrupted; {kept}"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = COMMANDS[args.command](args)
        sys.stdout.flush()  # here, so that a reader gone early (| head) is handled below, not at exit
        return code
    except BrokenPipeError:  # `sparkscout … | head`: the reader has what it wanted
        _quiet_stdout()
        return EXIT_OK
    except ConfigError as exc:
        print(f"sparkscout: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(("\n" if sys.stderr.isatty() else "") + _interrupted(args), file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001
        print(f"sparkscout: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
