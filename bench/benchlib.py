"""Formatting shared by the benchmark scripts of bench/ (engine/run.py,
programs/run.py): seconds, ratios and their geometric mean, each '-' when the
figure could not be had (None)."""
import math


def fmt_s(t):
    """Seconds with two decimals."""
    return "-" if t is None else f"{t:.2f}"


def fmt_x(r, digits=1):
    """A ratio to a baseline: 1.8x (digits=2: 1.77x)."""
    return "-" if r is None else f"{r:.{digits}f}x"


def fmt_r(r):
    """A quotient of two ratios, with two decimals and no unit."""
    return "-" if r is None else f"{r:.2f}"


def geomean(xs):
    """The geometric mean of the figures that are there (None and 0 are left
    out); None if there are none."""
    xs = [x for x in xs if x]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None
