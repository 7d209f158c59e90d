"""Judge calibration maths: confusion matrix, agreement, Cohen's kappa, TPR/FPR, Rogan–Gladen correction.

Pure functions, no I/O. "Positive" means *pass*: the human label is the truth, the judge is the test.

- TPR (sensitivity) = P(judge pass | human pass) = tp / (tp + fn)
- FPR (1 - specificity) = P(judge pass | human fail) = fp / (fp + tn)
- Rogan–Gladen: if the judge passes a share ``p`` of answers, the true pass rate is
  ``(p - FPR) / (TPR - FPR)``, clipped to [0, 1]; undefined when ``TPR <= FPR`` (the judge is no better
  than chance).
- Interval of the corrected rate: Monte Carlo propagation of the three binomial uncertainties (TPR and
  FPR from the calibration set, ``p`` from the run), each drawn from its Jeffreys posterior
  Beta(k + ½, n - k + ½), the correction applied per draw, and the percentile interval taken. This is a
  parametric bootstrap over both the calibration set and the run; the Jeffreys draws keep it honest
  when a rate is observed as exactly 0 or 1 (a plain bootstrap would then claim zero variance).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np

__all__ = [
    "Confusion",
    "confusion",
    "agreement",
    "cohens_kappa",
    "tpr",
    "fpr",
    "rogan_gladen",
    "corrected_interval",
    "summary",
]


@dataclass(frozen=True)
class Confusion:
    tp: int = 0  # human pass, judge pass
    fp: int = 0  # human fail, judge pass
    tn: int = 0  # human fail, judge fail
    fn: int = 0  # human pass, judge fail

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.tn + self.fn

    @property
    def positives(self) -> int:
        """Human-pass rows."""
        return self.tp + self.fn

    @property
    def negatives(self) -> int:
        """Human-fail rows."""
        return self.fp + self.tn

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def confusion(pairs: Iterable[tuple[bool, bool]]) -> Confusion:
    """Confusion matrix from ``(human_pass, judge_pass)`` pairs."""
    tp = fp = tn = fn = 0
    for human, judge in pairs:
        if human and judge:
            tp += 1
        elif judge:
            fp += 1
        elif human:
            fn += 1
        else:
            tn += 1
    return Confusion(tp, fp, tn, fn)


def agreement(c: Confusion) -> float | None:
    """Share of rows where judge and human agree."""
    return (c.tp + c.tn) / c.n if c.n else None


def cohens_kappa(c: Confusion) -> float | None:
    """Cohen's kappa ``(p_o - p_e) / (1 - p_e)``; None when undefined (no rows, or ``p_e == 1``)."""
    n = c.n
    if not n:
        return None
    p_o = (c.tp + c.tn) / n
    judge_pass = (c.tp + c.fp) / n
    human_pass = (c.tp + c.fn) / n
    p_e = judge_pass * human_pass + (1 - judge_pass) * (1 - human_pass)
    if p_e >= 1.0:
        return None
    return (p_o - p_e) / (1 - p_e)


def tpr(c: Confusion) -> float | None:
    return c.tp / c.positives if c.positives else None


def fpr(c: Confusion) -> float | None:
    return c.fp / c.negatives if c.negatives else None


def rogan_gladen(p_obs: float, tpr_: float | None, fpr_: float | None) -> float | None:
    """True pass rate from the judge's observed pass rate; clipped to [0, 1]; None if undefined."""
    if tpr_ is None or fpr_ is None or tpr_ - fpr_ <= 0:
        return None
    return min(1.0, max(0.0, (p_obs - fpr_) / (tpr_ - fpr_)))


def corrected_interval(
    k_obs: int, n_obs: int, c: Confusion, *, level: float = 0.95, reps: int = 4000, seed: int = 0
) -> tuple[float, float] | None:
    """Interval of the Rogan–Gladen corrected rate (see the module docstring for the method).

    ``k_obs`` of ``n_obs`` run answers were passed by the judge; ``c`` is the calibration confusion
    matrix. None when the run or either calibration class is empty, or when more than 5 % of the draws
    make the judge no better than chance (the correction is then not identifiable).
    """
    if n_obs <= 0 or c.positives == 0 or c.negatives == 0:
        return None
    rng = np.random.default_rng(seed)
    t = rng.beta(c.tp + 0.5, c.fn + 0.5, reps)
    f = rng.beta(c.fp + 0.5, c.tn + 0.5, reps)
    p = rng.beta(k_obs + 0.5, n_obs - k_obs + 0.5, reps)
    denom = t - f
    ok = denom > 0
    if ok.mean() < 0.95:
        return None
    est = np.clip((p[ok] - f[ok]) / denom[ok], 0.0, 1.0)
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(est, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def summary(c: Confusion, min_kappa: float) -> dict:
    """The calibration keys of ``judge_calibration.json`` for one confusion matrix."""
    k = cohens_kappa(c)
    trustworthy = k is not None and k >= min_kappa
    if c.n == 0:
        why = "no human labels"
    elif k is None:
        why = "kappa undefined (labels or verdicts all one class)"
    elif not trustworthy:
        why = f"kappa {k:.2f} < min_kappa {min_kappa:g}"
    else:
        why = None
    return {
        "n": c.n,
        "agreement": agreement(c),
        "kappa": k,
        "tpr": tpr(c),
        "fpr": fpr(c),
        "confusion": c.as_dict(),
        "trustworthy": trustworthy,
        "min_kappa": min_kappa,
        "untrustworthy_reason": why,
    }
