"""The HTML report in a real headless Chromium: tables and plots in the DOM, model text escaped."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from profiler.report.cli import main
from profiler.report.synth import SynthModel, make_run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
EVIL = "<script>document.title='PWNED'</script><img src=x onerror=\"document.title='PWNED'\"> & </pre><b>bold</b>"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed (apt-get install -y chromium)"
)


def _chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def html_report(tmp_path_factory):
    root = tmp_path_factory.mktemp("html")
    run = root / "run"
    make_run(
        run,
        {
            "base": SynthModel(),
            "cand": SynthModel(
                ttft_median_ms=700, verbosity=1.2, success=0.8, response_text=EVIL, error_text=EVIL
            ),
        },
        n_per_model=800,
        n_prompts=80,
        status="interrupted",
        judge={"tpr": 0.9, "fpr": 0.1},
    )
    assert main([str(run), "--format", "html,md", "--resamples", "300"]) == 0
    return root, run / "report.html"


def test_html_is_self_contained_and_escaped(html_report):
    _, path = html_report
    text = path.read_text()
    assert "http://" not in text and "https://" not in text  # nothing fetched, works offline
    assert "<script" not in text.lower()  # no script of ours, none from model text
    assert "&lt;script&gt;document.title=&#x27;PWNED&#x27;&lt;/script&gt;" in text
    assert text.count('src="data:image/svg+xml;base64,') >= 5


def test_html_renders_in_chromium_without_running_model_text(html_report, tmp_path):
    _, path = html_report
    proc = _chromium(tmp_path, "--dump-dom", path.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    # the browser parsed our tables and images
    for key in (
        "headline",
        "verdict",
        "slo",
        "compare-cand",
        "latency",
        "reliability",
        "cost",
        "quality",
        "tasks",
    ):
        assert f'data-table="{key}"' in dom, key
    assert len(re.findall(r'<img alt="[^"]*" src="data:image/svg\+xml;base64,', dom)) >= 5
    assert "<title>swapbench report</title>" in dom  # the injected script never changed the title
    assert "PWNED</title>" not in dom
    # model text stayed text: no element was created from it
    assert "<b>bold</b>" not in dom and "&lt;b&gt;bold&lt;/b&gt;" in dom
    assert not re.search(r"<script", dom, re.I)
    assert 'id="interrupted"' in dom
    assert re.search(r'class="verdict v-(swap|notyet|inconclusive)"', dom)


def test_html_screenshot(html_report, tmp_path):
    root, path = html_report
    shot = root / "report.png"
    proc = _chromium(
        tmp_path, "--hide-scrollbars", "--window-size=1400,2400", f"--screenshot={shot}", path.as_uri()
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000  # a real page, not a blank one


def test_markdown_escapes_model_text(html_report):
    root, path = html_report
    md = (path.parent / "report.md").read_text()
    assert "<script" not in md
    assert "WARNING" in md.upper() and "interrupted" in md
