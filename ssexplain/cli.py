"""The command line. Every failure a person can cause ends as one line and exit code 1."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ssexplain.config import settings
from ssexplain.errors import SsexplainError


def _check_content(args: argparse.Namespace) -> int:
    from ssexplain.content.loader import load_content, verify_quotes
    from ssexplain.content.readability import grade

    config = settings()
    content = load_content(config.content_dir)
    problems = verify_quotes(content, config.seeds_dir)
    grades = {p.id: grade(p.plain) for p in content.passages}
    for pid, g in grades.items():
        if g > 10:
            problems.append(f"{pid}: plain text reads at grade {g:.1f}; keep every passage at 10 or below")
    problems += _check_safety_content(config.content_dir)
    mean = sum(grades.values()) / len(grades)
    for problem in problems:
        print(problem)
    print(
        f"{len(content.passages)} passages, {len(content.glossary)} glossary terms; "
        f"mean grade {mean:.1f} (max {max(grades.values()):.1f}); {len(problems)} problem(s)"
    )
    return 1 if problems or mean > 8 else 0


def _check_safety_content(folder: Path) -> list[str]:
    """triage.yaml and scope.yaml load (schema, ids, tiers, patterns) and read at grade 8 or below."""
    from ssexplain.content.readability import grade
    from ssexplain.content.triage_rules import load_scope, load_triage, patient_texts

    texts = patient_texts(load_triage(folder), load_scope(folder))
    return [f"{where}: message reads at grade {g:.1f}; keep it at 8 or below"
            for where, text in texts if (g := grade(text)) > 8]


def _build_index(args: argparse.Namespace) -> int:
    from ssexplain.search.index_store import build_index

    config = settings()
    manifest = build_index(config.content_dir, config.index_dir, model_path=config.model_path)
    print(f"index built: {manifest['passages']} passages, {manifest['vectors']} vectors -> {config.index_dir}")
    return 0


def _ask(args: argparse.Namespace) -> int:
    from ssexplain.engine import Engine

    engine = Engine.load(settings())
    reply = engine.ask(args.question, history=args.history or [])
    if args.json:
        print(json.dumps(reply.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(reply.to_text())
    return 0


def _eval(args: argparse.Namespace) -> int:
    from ssexplain.engine import Engine
    from ssexplain.evaluation.questions import evaluate, format_report, load_questions

    if not args.file and not args.banks:
        raise SsexplainError("give one or more JSONL question files, or --banks DIR for the triage banks")
    engine = Engine.load(settings())
    if args.file:
        report = evaluate(engine, [q for name in args.file for q in load_questions(Path(name))])
        print(format_report(report, show_misses=not args.quiet))
    if args.banks:
        from ssexplain.evaluation import triage

        results = triage.run(engine, triage.load_banks(Path(args.banks)))
        print(triage.format_report(results, show_misses=not args.quiet))
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from ssexplain.engine import Engine
    from ssexplain.evaluation import triage
    from ssexplain.evaluation.calibration import calibrate_urgent

    engine = Engine.load(settings())
    print(calibrate_urgent(engine.triager, triage.load_banks(Path(args.banks)), max_false=args.max_false))
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m ssexplain", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    commands.add_parser("build-index", help="embed content/ into index/").set_defaults(run=_build_index)
    commands.add_parser("check-content", help="check quotes, sections and reading level").set_defaults(
        run=_check_content
    )

    ask = commands.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--history", action="append", help="an earlier question (repeat, oldest first)")
    ask.add_argument("--json", action="store_true", help="print the API's JSON reply")
    ask.set_defaults(run=_ask)

    ev = commands.add_parser("eval", help="score retrieval and safety on a questions file (JSONL)")
    ev.add_argument("file", nargs="*", help="one or more JSONL files, scored together (figures per fold and voice)")
    ev.add_argument("--quiet", action="store_true", help="figures only, no list of misses")
    ev.add_argument("--banks", metavar="DIR", help="also score urgent triage and declines on the banks in DIR "
                    "(tests/banks): tuning folds 0-2 and held-out folds 3-4 (docs/SAFETY.md)")
    ev.set_defaults(run=_eval)

    cal = commands.add_parser("calibrate", help="choose urgent triage's similarity threshold and margin on the "
                              "tuning folds of the banks (docs/SAFETY.md)")
    cal.add_argument("--banks", metavar="DIR", default="tests/banks", help="the banks (default: tests/banks)")
    cal.add_argument("--max-false", type=float, default=0.05,
                     help="most similarity false alarms allowed on tuning near misses and in-scope questions")
    cal.set_defaults(run=_calibrate)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except SsexplainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
