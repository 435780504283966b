"""Long fuzz run over the readers: mutated PDF, DOCX, XLSX, ZIP (and PNG/TIFF) seeds.

Not collected by pytest (the file name does not start with `test_`); the bounded
CI version is `tests/test_hostile_input.py::test_fuzz_mutated_files_never_crash`.

    .venv/bin/python tests/fuzz/run_fuzz.py --iterations 2000 --out /tmp/fuzz-crashes

Each iteration mutates one seed (bit flips, truncation, inserted and overwritten
bytes, long digit runs; for docx-xml/xlsx-xml one XML part inside the Office file,
zipped again so the damage reaches the reader's own logic), loads it as a one-file packet and reads every member with OCR effectively
off. A crash is an exception escaping `load_packet`/`read_member`, a member with
neither a document nor a finding, or a finding from the registry's catch-all (a
reader met an exception it does not handle). Crashing inputs are saved to --out.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from tests import hostile_files as hf  # noqa: E402

OPERATIONS = ("flip", "truncate", "insert", "overwrite", "digits")


def image_seeds() -> dict[str, bytes]:
    png = io.BytesIO()
    hf.text_image("扫描件", (300, 80)).save(png, format="PNG")
    tiff = io.BytesIO()
    frames = [hf.text_image(t, (300, 80)) for t in ("第一页", "第二页")]
    frames[0].save(tiff, format="TIFF", save_all=True, append_images=frames[1:])
    return {"png": png.getvalue(), "tif": tiff.getvalue()}


def random_mutations(rng: random.Random) -> list[hf.Mutation]:
    count = rng.choice((1, 1, 1, 2, 3, 5, 8))
    return [
        (rng.choice(OPERATIONS), rng.random(), rng.randbytes(rng.choice((1, 1, 2, 4, 16, 64))))
        for _ in range(count)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=1000, help="total iterations over all kinds")
    parser.add_argument("--kinds", default="pdf,docx,xlsx,zip,docx-xml,xlsx-xml,png,tif")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-seconds", type=float, default=0, help="stop after this long (0: no limit)")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "cluster-intake-fuzz-crashes")
    parser.add_argument("--allow-unexpected", action="store_true", help="do not count catch-all findings as crashes")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    with tempfile.TemporaryDirectory(prefix="fuzz-") as scratch:
        scratch_dir = Path(scratch)
        seeds = {**hf.fuzz_seed_files(scratch_dir / "seeds"), **image_seeds()}
        settings = hf.fuzz_settings(scratch_dir / "data")
        runs: Counter[str] = Counter()
        crashes: Counter[str] = Counter()
        started = time.monotonic()
        for iteration in range(args.iterations):
            if args.max_seconds and time.monotonic() - started > args.max_seconds:
                break
            kind = kinds[iteration % len(kinds)]
            data, name = hf.fuzz_input(seeds, kind, rng.random(), random_mutations(rng))
            problems = hf.check_one_input(
                data, name, scratch_dir / f"case{iteration:06d}", settings, allow_unexpected=args.allow_unexpected
            )
            runs[kind] += 1
            if problems:
                crashes[kind] += 1
                args.out.mkdir(parents=True, exist_ok=True)
                saved = args.out / f"crash-{iteration:06d}-{kind}{Path(name).suffix}"
                saved.write_bytes(data)
                saved.with_name(saved.name + ".txt").write_text("\n\n".join(problems), encoding="utf-8")
                print(f"[{iteration}] CRASH {kind}: {problems[0].splitlines()[0][:200]} → {saved}", flush=True)
            if (iteration + 1) % 100 == 0:
                print(f"... {iteration + 1} iterations, {sum(crashes.values())} crashes, "
                      f"{time.monotonic() - started:.0f} s", flush=True)
    total = sum(runs.values())
    print(f"iterations run: {total} ({', '.join(f'{k} {n}' for k, n in sorted(runs.items()))})")
    print(f"crashes found: {sum(crashes.values())}" + (f" ({dict(crashes)}); inputs in {args.out}" if crashes else ""))
    print(f"elapsed: {time.monotonic() - started:.0f} s")
    return 1 if crashes else 0


if __name__ == "__main__":
    raise SystemExit(main())
