"""Time and measure dropout's forward and backward passes, side by side, on the same arrays.

Compared, in one run and on the same inputs:

- ``book``: the book's layer, :class:`dropout_book.book.BookDropout`
  (``mask = np.random.rand(*x.shape) > p``; ``x * mask``; ``dout * mask``);
- ``Dropout``: :class:`dropout_book.Dropout` in its default (book-compatible) mode;
- ``FastDropout``: :class:`dropout_book.FastDropout` (two threads by default);
  ``Fast/1thread``, the same on one thread; ``Fast p=0.3``, two threads with a ratio that
  needs 32-bit random words instead of bytes;
- ``torch``: ``torch.nn.functional.dropout`` on the CPU, backward through autograd (when torch
  can be imported);
- ``floor``: ``np.copyto(out, x)`` into a preallocated array, the least memory traffic any
  forward pass needs (read x, write out); ``copy`` is ``x.copy()``, which also allocates.

Each timing repeats the call in interleaved rounds (every implementation once per round, so
that a noisy neighbour slows all of them alike) and reports the minimum and the median per
call. Peak memory of one forward (and one backward) pass is read with ``tracemalloc``, which
sees NumPy's allocations but not PyTorch's. Every figure is also given as a ratio to the book's
layer and to the floor measured in the same run, since only such ratios carry over between
machines. Results are printed as a table and written to ``benchmarks/results/`` as JSON.

Run ``nox -s bench`` (installs torch==2.13.0 and runs this script), or
``python benchmarks/bench_dropout.py --help``.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import math
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

import dropout_book
from dropout_book import Dropout, FastDropout
from dropout_book.book import BookDropout

RATIO = 0.5  # probability of *dropping* a unit, for every implementation but one
#: FastDropout draws a byte per unit when 256 p is whole (as for 0.5), 32 bits otherwise: one
#: more row shows that case. The other implementations cost the same whatever p is.
WORDS_RATIO = 0.3
FAST_ROWS = ("FastDropout", f"Fast p={WORDS_RATIO}")
SHAPES = {
    1_000: (10, 100),
    10_000: (100, 100),
    100_000: (100, 1_000),
    1_000_000: (1_000, 1_000),
    16_777_216: (4_096, 4_096),
}
QUICK_SIZES = (1_000, 10_000, 100_000)
DTYPES = ("float32", "float64")
RESULTS = Path(__file__).resolve().parent / "results"
#: Shortest time worth timing at once: small arrays are timed in batches of calls this long.
SAMPLE_SECONDS = 0.002

Array = NDArray[Any]


class Implementation:
    """One way to run dropout: a forward pass that keeps what backward needs, then backward."""

    name = ""

    def forward(self, x: Array) -> object:
        """Run a training forward pass on ``x`` and keep its mask."""
        raise NotImplementedError

    def backward(self, dout: Array) -> object:
        """Run the backward pass of the last forward pass."""
        raise NotImplementedError

    def kept_bytes(self) -> int | None:
        """Bytes of the state that forward keeps for backward (the mask), if known."""
        return None


class Book(Implementation):
    """The book's layer as published (dropout_book.book.BookDropout)."""

    name = "book"

    def __init__(self) -> None:
        self.layer = BookDropout(RATIO)

    def forward(self, x: Array) -> object:
        """Draw a float64 uniform per element, compare, multiply."""
        return self.layer.forward(x)

    def backward(self, dout: Array) -> object:
        """Multiply by the boolean mask."""
        return self.layer.backward(dout)

    def kept_bytes(self) -> int | None:
        """Count the boolean mask's bytes, one per element."""
        mask = self.layer.mask
        return None if mask is None else int(mask.nbytes)


class Layer(Implementation):
    """A dropout_book layer."""

    def __init__(self, name: str, layer: Dropout, mask_bits: int) -> None:
        self.name, self.layer, self.mask_bits = name, layer, mask_bits
        self.size = 0

    def forward(self, x: Array) -> object:
        """Call ``layer.forward(x)``."""
        self.size = x.size
        return self.layer.forward(x)

    def backward(self, dout: Array) -> object:
        """Call ``layer.backward(dout)``."""
        return self.layer.backward(dout)

    def kept_bytes(self) -> int | None:
        """Count the mask's bytes from its bits per element."""
        return math.ceil(self.size * self.mask_bits / 8)


class Torch(Implementation):
    """PyTorch's dropout on the CPU; backward through autograd, as in training."""

    name = "torch"

    def __init__(self, torch: Any) -> None:
        self.torch = torch
        self.x: Any = None
        self.out: Any = None

    def forward(self, x: Array) -> object:
        """Call F.dropout on a leaf tensor that shares x's memory and requires a gradient."""
        self.x = self.torch.from_numpy(x).requires_grad_(True)
        self.out = self.torch.nn.functional.dropout(self.x, RATIO, training=True)
        return self.out

    def backward(self, dout: Array) -> object:
        """Differentiate the last output with autograd, keeping the graph for the next call."""
        grad = self.torch.from_numpy(dout)
        return self.torch.autograd.grad(self.out, self.x, grad, retain_graph=True)[0]


def import_torch(enabled: bool) -> Any:
    if not enabled:
        return None
    try:
        import torch
    except ImportError:
        return None
    return torch


@dataclass
class Row:
    """Figures of one implementation on one array: seconds per call and bytes."""

    size: int
    shape: tuple[int, ...]
    dtype: str
    name: str
    forward_min: float
    forward_median: float
    backward_min: float | None
    backward_median: float | None
    rounds: int
    forward_peak_bytes: int | None = None
    backward_peak_bytes: int | None = None
    kept_bytes: int | None = None
    ratios: dict[str, float | None] = field(default_factory=dict)


def per_call_seconds(function: Callable[[], object], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - start) / repeat


def batch_size(function: Callable[[], object]) -> int:
    """Return the calls per timing sample, so that a sample lasts at least SAMPLE_SECONDS."""
    function()  # warm-up: thread pools, first-touch of buffers, lazy imports
    once = per_call_seconds(function, 1)
    return max(1, min(10_000, math.ceil(SAMPLE_SECONDS / max(once, 1e-9))))


def interleaved(cases: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Seconds per call of each case, one sample per case in each round."""
    batches = {key: batch_size(case) for key, case in cases.items()}
    samples: dict[str, list[float]] = {key: [] for key in cases}
    gc.disable()
    try:
        for _ in range(rounds):
            for key, case in cases.items():
                samples[key].append(per_call_seconds(case, batches[key]))
    finally:
        gc.enable()
    return samples


def peak_bytes(function: Callable[[], object]) -> int:
    """Peak bytes allocated (as tracemalloc sees them) during one call, its result included."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = function()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del result
    return peak - base


def measure(
    size: int, dtype: str, rounds: int, torch: Any, workers: int
) -> tuple[list[Row], dict[str, float]]:
    shape = SHAPES.get(size, (size,))
    generator = np.random.default_rng(size)
    x = generator.standard_normal(shape).astype(dtype)
    dout = generator.standard_normal(shape).astype(dtype)
    implementations: list[Implementation] = [
        Book(),
        Layer("Dropout", Dropout(RATIO), mask_bits=8),
        Layer("FastDropout", FastDropout(RATIO, rng=0, workers=workers), mask_bits=1),
        Layer("Fast/1thread", FastDropout(RATIO, rng=0, workers=1), mask_bits=1),
        Layer(FAST_ROWS[1], FastDropout(WORDS_RATIO, rng=0, workers=workers), mask_bits=1),
    ]
    if torch is not None:
        implementations.append(Torch(torch))
    floor_out = np.empty_like(x)

    # One round runs these in this order, and the next round starts over. Backward uses the
    # mask of the forward call just before it. torch goes first and `copy` right after it:
    # PyTorch's OpenMP threads spin for a moment after each call, which would otherwise slow
    # down (or, for the floor, flatter the others against) whatever comes next.
    cases: dict[str, Callable[[], object]] = {}
    for impl in implementations:
        cases[f"{impl.name}/forward"] = lambda impl=impl: impl.forward(x)  # type: ignore[misc]
        cases[f"{impl.name}/backward"] = lambda impl=impl: impl.backward(dout)  # type: ignore[misc]
    cases = {
        **{key: case for key, case in cases.items() if key.startswith("torch/")},
        "copy": x.copy,
        "floor": lambda: np.copyto(floor_out, x),
        **{key: case for key, case in cases.items() if not key.startswith("torch/")},
    }
    samples = interleaved(cases, rounds)
    floor = min(samples["floor"])

    rows = [
        Row(size, shape, dtype, name, min(s), statistics.median(s), None, None, rounds)
        for name, s in (("floor", samples["floor"]), ("copy", samples["copy"]))
    ]
    rows[0].forward_peak_bytes = peak_bytes(lambda: np.copyto(floor_out, x))
    rows[1].forward_peak_bytes = peak_bytes(x.copy)
    for impl in implementations:
        forward, backward = samples[f"{impl.name}/forward"], samples[f"{impl.name}/backward"]
        row = Row(
            size,
            shape,
            dtype,
            impl.name,
            min(forward),
            statistics.median(forward),
            min(backward),
            statistics.median(backward),
            rounds,
        )
        if impl.name != "torch":  # tracemalloc does not see PyTorch's allocator
            row.forward_peak_bytes = peak_bytes(lambda impl=impl: impl.forward(x))  # type: ignore[misc]
            row.backward_peak_bytes = peak_bytes(lambda impl=impl: impl.backward(dout))  # type: ignore[misc]
            row.kept_bytes = impl.kept_bytes()
        rows.append(row)
    book = next(row for row in rows if row.name == "book")
    for row in rows:
        row.ratios = ratios(row, book, floor, x.nbytes)
    return rows, {"floor": floor, "x_bytes": float(x.nbytes)}


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def ratios(row: Row, book: Row, floor: float, x_bytes: int) -> dict[str, float | None]:
    """Express times as multiples of the book's and of the floor, memory as a fraction of x."""
    temporary = None
    if row.forward_peak_bytes is not None and row.name not in ("floor", "copy"):
        temporary = row.forward_peak_bytes - x_bytes - (row.kept_bytes or 0)
    return {
        "forward_min_over_book": ratio(row.forward_min, book.forward_min),
        "forward_median_over_book": ratio(row.forward_median, book.forward_median),
        "forward_min_over_floor": ratio(row.forward_min, floor),
        "forward_median_over_floor": ratio(row.forward_median, floor),
        "backward_min_over_book": ratio(row.backward_min, book.backward_min),
        "backward_median_over_book": ratio(row.backward_median, book.backward_median),
        "backward_min_over_floor": ratio(row.backward_min, floor),
        "backward_median_over_floor": ratio(row.backward_median, floor),
        "forward_temporary_over_x": ratio(temporary, x_bytes),
        "kept_bits_per_element": ratio(
            None if row.kept_bytes is None else 8 * row.kept_bytes, row.size
        ),
    }


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1e3:.3f}" if seconds < 1e-2 else f"{seconds * 1e3:.1f}"


def print_table(rows: list[Row]) -> None:
    header = (
        f"{'impl':<12} {'fwd min':>9} {'fwd med':>9} {'book/fwd':>9} {'fwd/floor':>9} "
        f"{'bwd min':>9} {'bwd med':>9} {'book/bwd':>9} {'bwd/floor':>9} "
        f"{'tmp/x':>6} {'mask b/el':>9}"
    )
    size, dtype = rows[0].size, rows[0].dtype
    print(f"\n{size:,} elements {rows[0].shape}, {dtype}; times in ms per call")
    print(header)
    for row in rows:
        r = row.ratios
        speedup_fwd = ratio(1.0, r["forward_min_over_book"])
        speedup_bwd = ratio(1.0, r["backward_min_over_book"])
        print(
            f"{row.name:<12} {ms(row.forward_min):>9} {ms(row.forward_median):>9} "
            f"{fmt(speedup_fwd, '.2f'):>9} {fmt(r['forward_min_over_floor'], '.2f'):>9} "
            f"{ms(row.backward_min):>9} {ms(row.backward_median):>9} "
            f"{fmt(speedup_bwd, '.2f'):>9} {fmt(r['backward_min_over_floor'], '.2f'):>9} "
            f"{fmt(r['forward_temporary_over_x'], '.3f'):>6} "
            f"{fmt(r['kept_bits_per_element'], '.3g'):>9}"
        )


def check_targets(rows: list[Row]) -> list[dict[str, Any]]:
    """Judge the performance targets for 4096 x 4096 float32 on this run's minima."""
    chosen = [row for row in rows if row.size == 16_777_216 and row.dtype == "float32"]
    by_name = {row.name: row for row in chosen}
    checked = []
    for name in FAST_ROWS:
        fast = by_name.get(name)
        if fast is None:
            continue
        r = fast.ratios
        targets: list[tuple[str, float | None, str, float]] = [
            ("forward speed-up over the book", ratio(1.0, r["forward_min_over_book"]), ">=", 4),
            ("forward time over the floor", r["forward_min_over_floor"], "<=", 6.0),
            ("backward time over the floor", r["backward_min_over_floor"], "<=", 2.0),
            ("mask bits kept per element", r["kept_bits_per_element"], "<=", 1.0),
            ("forward temporaries over x", r["forward_temporary_over_x"], "<=", 0.25),
        ]
        torch_row = by_name.get("torch")
        if torch_row is not None:
            speedup = ratio(torch_row.forward_min, fast.forward_min)
            targets.insert(1, ("forward speed-up over torch", speedup, ">=", 10.0))
        for label, value, op, bound in targets:
            met = value is not None and (value >= bound if op == ">=" else value <= bound)
            checked.append(
                {"row": name, "target": label, "value": value, "op": op, "bound": bound, "met": met}
            )
    return checked


def environment(torch: Any, workers: int) -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "dropout_book": dropout_book.__version__,
        "torch": None if torch is None else torch.__version__,
        "torch_threads": None if torch is None else torch.get_num_threads(),
        "fast_workers": workers,
        "dropout_ratio": RATIO,
        "openblas_env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SHAPES), help="element counts")
    parser.add_argument("--dtypes", nargs="+", default=list(DTYPES), choices=DTYPES)
    parser.add_argument("--rounds", type=int, default=15, help="timing rounds (default 15)")
    parser.add_argument("--workers", type=int, default=2, help="FastDropout threads")
    parser.add_argument("--quick", action="store_true", help="small sizes and 5 rounds only")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument("--output", type=Path, help="JSON file (default: results/bench-*.json)")
    args = parser.parse_args(argv)
    sizes, rounds = (QUICK_SIZES, 5) if args.quick else (args.sizes, args.rounds)
    torch = import_torch(not args.no_torch)
    env = environment(torch, args.workers)
    print("environment:", json.dumps(env))
    if torch is None:
        print("torch is not importable (or --no-torch): its rows are left out")

    started = time.perf_counter()
    rows: list[Row] = []
    for size in sizes:
        for dtype in args.dtypes:
            block, _ = measure(size, dtype, rounds, torch, args.workers)
            print_table(block)
            rows.extend(block)
    targets = check_targets(rows)
    if targets:
        print("\nTargets (4096 x 4096 float32, minima of this run):")
        for t in targets:
            print(
                f"  {'met' if t['met'] else 'MISSED':<6} {t['row']:<12} {t['target']}: "
                f"{fmt(t['value'], '.3g')} ({t['op']} {t['bound']:g})"
            )
    elapsed = time.perf_counter() - started

    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    output = args.output or RESULTS / f"bench-{stamp}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "created": stamp,
        "seconds": elapsed,
        "environment": env,
        "rows": [asdict(row) for row in rows],
        "targets": targets,
    }
    output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\n{len(rows)} rows in {elapsed:.0f} s; written to {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
