"""Headless Chromium for the page tests (Debian's chromium and chromium-driver, driven by selenium; nothing
downloaded but axe-core from npm): the ``browser`` and ``axe`` fixtures and ``run_axe``, shared by the kit's
own pages (tests/test_pages.py) and nbgrader's feedback pages the kit's course writes (tests/test_nbgrader.py).
Where Chromium, selenium or npm cannot be had, the tests that use them are skipped, saying why."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

WIDTHS = {"desktop": (1280, 900, False), "phone": (390, 844, True)}
BROWSER, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def _install_chromium() -> str | None:
    """None when Chromium and its driver are here (installed now if this user can); else why not."""
    if os.path.exists(BROWSER) and os.path.exists(DRIVER):
        return None
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return "Chromium is not installed and this user cannot install it (apt-get install chromium chromium-driver)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # another test may be installing Slurm at the same moment: wait for dpkg's lock, do not fail on it
    cmd = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "-qq", "chromium", "chromium-driver"]
    if subprocess.run(cmd, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=600", "update", "-qq"], env=env, capture_output=True)
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            return f"apt-get could not install Chromium: {proc.stderr.strip()[-300:]}"
    return None if os.path.exists(BROWSER) and os.path.exists(DRIVER) else "chromium or chromedriver still missing"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
    why = _install_chromium()
    if why:
        pytest.skip(why)
    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    # The flags a closed network needs (no background fetches that fail by the dozen), and a
    # profile of its own; --no-sandbox because the tests may run as root.
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-extensions", "--hide-scrollbars",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=DRIVER)
    try:
        driver = webdriver.Chrome(options=options, service=service)
    except Exception as exc:  # selenium's errors: a browser that will not start here
        pytest.skip(f"Chromium did not start: {str(exc).splitlines()[0][:300]}")
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()



AXE_VERSION = "4.14.1"   # axe-core from npm, pinned: the rules a page is judged by do not move under the test
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def axe() -> str:
    """axe-core's source (npm install into a folder of the test machine's, once); skipped, saying why, where
    npm or its registry cannot be had."""
    import tempfile

    folder = Path(tempfile.gettempdir()) / f"rnn-autograder-test-axe-{AXE_VERSION}-{os.getuid()}"
    script = folder / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        if not shutil.which("npm"):
            pytest.skip("npm is not installed: axe-core cannot be had (apt-get install npm)")
        folder.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(folder),
                               f"axe-core@{AXE_VERSION}"], capture_output=True, text=True, timeout=300)
        if proc.returncode != 0 or not script.is_file():
            pytest.skip(f"npm could not install axe-core {AXE_VERSION}: {proc.stderr.strip()[-300:]}")
    return script.read_text()


def run_axe(driver, axe_source: str, page: Path) -> dict:
    """axe-core's WCAG 2.0/2.1 A and AA violations of ``page`` at each width: {width: [(rule, impact, nodes)]}."""
    found = {}
    for name, (width, height, mobile) in {**WIDTHS, "narrowest": (320, 640, True)}.items():
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
        driver.get(page.as_uri())
        driver.execute_script(axe_source)
        driver.set_script_timeout(120)
        found[name] = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            f"axe.run(document, {{runOnly: {{type: 'tag', values: {AXE_TAGS!r}}}}})"
            ".then(r => done(r.violations.map(v => [v.id, v.impact, v.nodes.map(n => n.html.slice(0, 160))])))"
            ".catch(e => done([['axe-failed', 'critical', [String(e)]]]));")
    return found
