"""Calibration and interval maths against hand-computed numbers."""

from __future__ import annotations

import math

import pytest

from profiler.quality import calibration as cal
from profiler.quality.stats import wilson, z_value


def test_wilson_hand_numbers():
    # 8/10, z = 1.959964: centre (0.8 + z²/20) / (1 + z²/10) = 0.716740, half-width 0.226578
    # (published: 0.4902 - 0.9433)
    lo, hi = wilson(8, 10)
    assert lo == pytest.approx(0.490162, abs=1e-5)
    assert hi == pytest.approx(0.943318, abs=1e-5)
    # 0/20: lo 0, hi = z²/n / (1 + z²/n) = 3.841459/20 / 1.192073 = 0.161125
    lo, hi = wilson(0, 20)
    assert lo == 0.0 and hi == pytest.approx(0.161125, abs=1e-5)
    lo, hi = wilson(20, 20)
    assert hi == 1.0 and lo == pytest.approx(1 - 0.161125, abs=1e-5)
    assert wilson(0, 0) is None
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    with pytest.raises(ValueError):
        wilson(3, 2)


def test_confusion_kappa_rates_hand_example():
    # 100 labels: human pass 50 (judge pass 40), human fail 50 (judge pass 5)
    pairs = [(True, True)] * 40 + [(True, False)] * 10 + [(False, True)] * 5 + [(False, False)] * 45
    c = cal.confusion(pairs)
    assert c.as_dict() == {"tp": 40, "fp": 5, "tn": 45, "fn": 10}
    assert cal.agreement(c) == pytest.approx(0.85)
    # p_e = 0.45*0.5 + 0.55*0.5 = 0.5 -> kappa = (0.85 - 0.5) / 0.5 = 0.7
    assert cal.cohens_kappa(c) == pytest.approx(0.7)
    assert cal.tpr(c) == pytest.approx(0.8)
    assert cal.fpr(c) == pytest.approx(0.1)


def test_kappa_unbalanced_hand_example():
    # tp=20, fn=5, fp=10, tn=65 (n=100): p_o = .85; judge pass .30, human pass .25
    # p_e = .30*.25 + .70*.75 = .075 + .525 = .60 -> kappa = .25/.40 = .625
    c = cal.Confusion(tp=20, fp=10, tn=65, fn=5)
    assert cal.cohens_kappa(c) == pytest.approx(0.625)


def test_kappa_undefined_and_perfect():
    assert cal.cohens_kappa(cal.Confusion()) is None
    assert cal.cohens_kappa(cal.Confusion(tp=10)) is None  # everything one class: p_e = 1
    assert cal.cohens_kappa(cal.Confusion(tp=10, tn=10)) == pytest.approx(1.0)
    assert cal.cohens_kappa(cal.Confusion(fp=10, fn=10)) == pytest.approx(-1.0)


def test_rogan_gladen_hand_numbers():
    # judge passes 45 %, TPR .8, FPR .1 -> (0.45 - 0.1) / 0.7 = 0.5
    assert cal.rogan_gladen(0.45, 0.8, 0.1) == pytest.approx(0.5)
    # 0.9 observed with TPR 0.9, FPR 0.2 -> (0.9-0.2)/0.7 = 1.0
    assert cal.rogan_gladen(0.9, 0.9, 0.2) == pytest.approx(1.0)
    # clipped
    assert cal.rogan_gladen(0.05, 0.8, 0.1) == 0.0
    assert cal.rogan_gladen(0.99, 0.8, 0.1) == 1.0
    # undefined: judge no better than chance
    assert cal.rogan_gladen(0.5, 0.4, 0.4) is None
    assert cal.rogan_gladen(0.5, None, 0.1) is None


def test_corrected_interval_covers_estimate_and_widens_with_fewer_labels():
    c_big = cal.Confusion(tp=400, fn=100, fp=50, tn=450)
    c_small = cal.Confusion(tp=40, fn=10, fp=5, tn=45)
    lo_b, hi_b = cal.corrected_interval(450, 1000, c_big)
    lo_s, hi_s = cal.corrected_interval(450, 1000, c_small)
    assert lo_b < 0.5 < hi_b and lo_s < 0.5 < hi_s
    assert (hi_s - lo_s) > (hi_b - lo_b)
    # with the run's binomial error alone the 95 % half-width would be ~1.96*sqrt(.45*.55/1000)/0.7 = 0.044;
    # the calibration error must add to it
    assert (hi_b - lo_b) / 2 > 0.044
    # deterministic for a fixed seed
    assert cal.corrected_interval(450, 1000, c_small) == (lo_s, hi_s)
    assert cal.corrected_interval(0, 0, c_small) is None
    assert cal.corrected_interval(5, 10, cal.Confusion(tp=5, fn=5)) is None  # no human-fail labels


def test_corrected_interval_coverage_simulation():
    """The interval should cover the true rate in most simulated experiments (nominal 95 %)."""
    import numpy as np

    rng = np.random.default_rng(1)
    true_p, se, sp = 0.7, 0.85, 0.9
    covered = 0
    trials = 60
    for i in range(trials):
        tp = rng.binomial(60, se)
        tn = rng.binomial(60, sp)
        c = cal.Confusion(tp=int(tp), fn=int(60 - tp), tn=int(tn), fp=int(60 - tn))
        truth = rng.random(400) < true_p
        judge = np.where(truth, rng.random(400) < se, rng.random(400) < 1 - sp)
        ci = cal.corrected_interval(int(judge.sum()), 400, c, reps=2000, seed=i)
        assert ci is not None
        covered += ci[0] <= true_p <= ci[1]
    assert covered / trials >= 0.85


def test_summary_trust():
    c = cal.Confusion(tp=40, fn=10, fp=5, tn=45)
    s = cal.summary(c, min_kappa=0.6)
    assert s["trustworthy"] is True and s["untrustworthy_reason"] is None
    assert s["n"] == 100 and s["confusion"]["fn"] == 10
    s = cal.summary(c, min_kappa=0.75)
    assert s["trustworthy"] is False and "0.70 < min_kappa 0.75" in s["untrustworthy_reason"]
    s = cal.summary(cal.Confusion(), min_kappa=0.6)
    assert s["trustworthy"] is False and s["kappa"] is None and not math.isnan(s["n"])
