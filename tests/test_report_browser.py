"""The demo's report in headless Chromium: every image loads, nothing is fetched from outside its folder.

A control page with a missing image and a remote one shows that the checks can fail. The screenshot is kept
in ``outputs/screenshots/`` (ignored by git) for a person to look at.
"""

from pathlib import Path

import pytest

from study.demo import run_demo
from tests.browser import Browser, chromium_path
from tests.test_study import CASES, QUICK

SCREENSHOTS = Path(__file__).resolve().parents[1] / "outputs" / "screenshots"


@pytest.mark.slow
def test_demo_report_loads_offline_in_headless_chromium(tmp_path):
    executable = chromium_path()
    out = tmp_path / "demo"
    run_demo(out, cases=CASES, preset=QUICK, progress=False, echo=lambda _: None)
    control = tmp_path / "control"
    control.mkdir()
    (control / "index.html").write_text(
        '<!DOCTYPE html><html><head><title>control</title></head><body><img src="missing.png">'
        '<img src="https://example.org/remote.png"></body></html>'
    )
    with Browser(executable, tmp_path / "profile") as browser:
        checked = browser.load(control.as_uri() + "/index.html")
        page = browser.load((out / "index.html").as_uri())
    assert len(checked.broken_images) == 2 and any(u.startswith("https:") for u in checked.requests)

    assert page.title.startswith("rg study")
    assert page.broken_images == ()
    inside = out.as_uri() + "/"
    assert [u for u in page.requests if not u.startswith(("data:", inside))] == []
    assert page.failed == ()
    assert sum(u.startswith(inside) and u.endswith(".png") for u in page.requests) >= 2  # dice.png, overlays
    assert page.screenshot.startswith(b"\x89PNG") and len(page.screenshot) > 50_000
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "demo-report.png").write_bytes(page.screenshot)
