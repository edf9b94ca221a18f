"""Headless Chromium for report tests, driven over the DevTools protocol on a pipe (no extra package).

:func:`chromium_path` finds Debian's ``chromium`` or installs it (``apt-get install chromium``, as root) and
skips the test with the reason where neither works. :class:`Browser` starts it with
``--remote-debugging-pipe`` (commands on fd 3, replies on fd 4, JSON messages ended by NUL) and
:meth:`Browser.load` opens a page and reports every request it made, the images that did not load, and a
full-page screenshot.
"""

import base64
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

#: Flags for a closed network: no background requests to Google's hosts (they fail and add noise).
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--remote-debugging-pipe")  # fmt: skip

BROKEN_IMAGES = "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"


def chromium_path() -> str:
    """Path of Debian's chromium, installed on first use where possible; else skip with the reason."""
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("chromium is not installed and this is not a root Debian machine to install it on")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
        if result.returncode != 0:
            pytest.skip(f"could not install chromium ({' '.join(command)}): {result.stderr.strip()[-300:]}")
    return shutil.which("chromium") or pytest.skip("apt-get installed chromium, but it is not on PATH")


@dataclass(frozen=True)
class PageLoad:
    """What one page load did: every URL requested, requests that failed, images not loaded, a PNG."""

    requests: tuple[str, ...]
    failed: tuple[str, ...]
    broken_images: tuple[str, ...]
    title: str
    screenshot: bytes


class Browser:
    """One headless Chromium process (a context manager)."""

    def __init__(self, executable: str, profile: Path, *, width: int = 1400):
        commands, self._to_browser = os.pipe()
        self._from_browser, replies = os.pipe()

        def to_fds_3_and_4():  # in the child, before exec
            os.dup2(commands, 3)
            os.dup2(replies, 4)

        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},1000", "about:blank"],
            preexec_fn=to_fds_3_and_4, close_fds=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(commands)
        os.close(replies)
        self._buffer = b""
        self._id = 0
        self.width = width

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.process.kill()
        self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)

    def _read(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise TimeoutError("chromium did not answer")
            self._buffer += os.read(self._from_browser, 1 << 20)
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, *, session: str | None = None,
             events: list | None = None, timeout: float = 60) -> dict:  # fmt: skip
        """Send one command and return its result; events that arrive meanwhile go to ``events``."""
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read(timeout)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            if events is not None and "method" in reply:
                events.append(reply)

    def load(self, url: str, *, timeout: float = 60) -> PageLoad:
        """Open ``url`` in a new tab, wait for its load event, and report what happened."""
        events: list[dict] = []
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for method in ("Network.enable", "Page.enable"):
            self.send(method, session=session, events=events)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": self.width, "height": 1000, "deviceScaleFactor": 1, "mobile": False}, session=session)  # fmt: skip
        self.send("Page.navigate", {"url": url}, session=session, events=events)
        deadline = time.monotonic() + timeout
        while not any(e["method"] == "Page.loadEventFired" for e in events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url}: no load event")
            message = self._read(timeout)
            if "method" in message:
                events.append(message)

        def evaluate(expression):
            return self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                             session=session, events=events)["result"]["value"]  # fmt: skip

        broken = evaluate(BROKEN_IMAGES)
        title = evaluate("document.title")
        height = evaluate("document.documentElement.scrollHeight")
        shot = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                         "clip": {"x": 0, "y": 0, "width": self.width, "height": height, "scale": 1}},
                         session=session, events=events)  # fmt: skip
        requests = tuple(
            e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"
        )
        failed = tuple(
            f"{e['params'].get('requestId')}: {e['params'].get('errorText')}"
            for e in events if e["method"] == "Network.loadingFailed"
        )  # fmt: skip
        self.send("Target.closeTarget", {"targetId": target})
        return PageLoad(requests, failed, tuple(broken), title, base64.b64decode(shot["data"]))
