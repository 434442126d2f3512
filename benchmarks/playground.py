"""Playground benchmark: cold start and rerun time of the docs site's Playground.

    python benchmarks/playground.py [--site SITE_DIR] [--repeats N]

Builds the site with ``docs/build_site.py`` (or uses SITE_DIR, already built),
serves it on 127.0.0.1 and opens the Playground in headless Chromium with
every other address blocked.

- **cold start**: a fresh browser context each time (empty cache), page open
  to the first result on the page (Pyodide loaded, the wheel installed, viz.js
  ready, the neuron preset computed and drawn); also when Python was ready.
  Beside it, alternating with it so that both see the same load on the
  machine, a bare page that only loads the same Pyodide: the ratio says what
  the playground adds to Pyodide's own start, which no page can shorten.
  And a second visit in the same browser context (HTTP cache and V8's code
  cache warm), as a returning reader sees it.
- **rerun, MLP preset**: the 2-[4]-1 MLP on 4 samples, Run clicked again:
  "compute" is the page's own clock around the Python call (the CLI, the
  stepper page, the viz.js layout); "to stepper shown" runs from the click to
  the stepper frame's load event.

Medians, with the range, on this machine; the targets are 5 s and 0.5 s.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
COLD_START_TARGET_S = 5.0
RERUN_TARGET_S = 0.5

# from the click on Run to the stepper frame's load event, in the page's own clock
_TIME_ONE_RUN = """
async () => {
  const app = document.getElementById("playground-app");
  const started = performance.now();
  document.getElementById("run").click();
  await new Promise((resolve) => {
    const check = () => app.dataset.stepper === "ready" ? resolve() : setTimeout(check, 1);
    check();
  });
  return [window.playground.lastRunMs, performance.now() - started];
}
"""


# a page that loads Pyodide and nothing else, written beside the playground's files
BARE_PAGE = "bare-pyodide-benchmark.html"
_BARE_PAGE_TEXT = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Pyodide alone</title></head><body>
<script src="vendor/pyodide/pyodide.js"></script>
<script>
loadPyodide({ indexURL: new URL("vendor/pyodide/", document.baseURI).href }).then(() => {
  window.pythonReadyMs = performance.now();
  document.body.setAttribute("data-ready", "true");
});
</script>
</body></html>
"""


def build_site_module():
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "docs" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def blocking_other_addresses(context, address: str, blocked: list[str]) -> None:
    def route(request_route) -> None:
        url = request_route.request.url
        if url == address or url.startswith(address + "/"):
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort()

    context.route("**/*", route)


def cold_start(browser, address: str, blocked: list[str]) -> tuple[float, float, float]:
    """Seconds from opening the page to Python ready and to the first result, in a fresh
    context; then to the first result of a second visit (the browser's caches warm)."""
    context = browser.new_context()
    try:
        blocking_other_addresses(context, address, blocked)
        page = context.new_page()
        python_ms, first_result_ms = _open(page, address)
        _python_ms, second_visit_ms = _open(context.new_page(), address)
        return python_ms / 1000, first_result_ms / 1000, second_visit_ms / 1000
    finally:
        context.close()


def _open(page, address: str) -> tuple[float, float]:
    page.goto(address + "/playground/")
    page.wait_for_selector(
        "#playground-app[data-ready=true], #playground-app[data-state=failed]",
        timeout=120_000,
    )
    if page.get_attribute("#playground-app", "data-state") == "failed":
        raise SystemExit(f"the playground failed: {page.inner_text('#status')}")
    python_ms, first_result_ms = page.evaluate(
        "[window.playground.pythonReadyMs, window.playground.coldStartMs]"
    )
    page.close()
    return python_ms, first_result_ms


def bare_pyodide_start(browser, address: str, blocked: list[str]) -> float:
    """Seconds from opening a page that loads only Pyodide to Python ready."""
    context = browser.new_context()
    try:
        blocking_other_addresses(context, address, blocked)
        page = context.new_page()
        page.goto(f"{address}/assets/playground/{BARE_PAGE}")
        page.wait_for_selector("body[data-ready=true]", state="attached", timeout=120_000)
        return page.evaluate("window.pythonReadyMs") / 1000
    finally:
        context.close()


def reruns(browser, address: str, blocked: list[str], repeats: int) -> list[tuple[float, float]]:
    """(compute, to stepper shown) in seconds for each rerun of the MLP preset."""
    context = browser.new_context()
    try:
        blocking_other_addresses(context, address, blocked)
        page = context.new_page()
        page.goto(address + "/playground/")
        page.wait_for_selector("#playground-app[data-ready=true]", timeout=120_000)
        page.click("#presets button[data-preset=presetMlp]")  # the first run warms up
        page.wait_for_selector("#playground-app[data-stepper=ready]")
        times = []
        for _repeat in range(repeats):
            compute_ms, shown_ms = page.evaluate(_TIME_ONE_RUN)
            times.append((compute_ms / 1000, shown_ms / 1000))
        return times
    finally:
        context.close()


def spread(values: list[float], unit: str = "s", scale: float = 1.0) -> str:
    scaled = [value * scale for value in values]
    digits = 2 if unit == "s" else 0
    return (
        f"{statistics.median(scaled):.{digits}f} {unit} "
        f"({min(scaled):.{digits}f}-{max(scaled):.{digits}f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="an already built site (docs/build_site.py)")
    parser.add_argument("--repeats", type=int, default=5, help="cold starts (reruns: 4x)")
    arguments = parser.parse_args()
    from playwright.sync_api import sync_playwright

    build_site = build_site_module()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("no chromium on PATH (apt install chromium)")
    with tempfile.TemporaryDirectory(prefix="site-") as scratch:
        site = arguments.site
        if site is None:
            site = Path(scratch) / "site"
            build_site.build_site(site)
        blocked: list[str] = []
        bare_page = site / "assets" / "playground" / BARE_PAGE
        bare_page.write_text(_BARE_PAGE_TEXT, encoding="utf-8")
        try:
            with build_site.serving(site) as address, sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                starts, bare = [], []
                for _repeat in range(arguments.repeats):
                    bare.append(bare_pyodide_start(browser, address, blocked))
                    starts.append(cold_start(browser, address, blocked))
                runs = reruns(browser, address, blocked, 4 * arguments.repeats)
                version = browser.version
                browser.close()
        finally:
            bare_page.unlink()
    python_ready = [python for python, _first, _second in starts]
    first_result = [first for _python, first, _second in starts]
    second_visit = [second for _python, _first, second in starts]
    compute = [one for one, _shown in runs]
    shown = [one for _compute, one in runs]
    print(f"Chromium {version} (headless), Python {platform.python_version()} for the build,")
    print(f"{platform.machine()}, {len(starts)} cold starts, {len(runs)} reruns; median (range)")
    print()
    print("| playground | time | target |")
    print("| --- | --: | --- |")
    met = statistics.median(first_result) < COLD_START_TARGET_S
    print(f"| Pyodide alone (a bare page): open to Python ready | {spread(bare)} | |")
    print(f"| cold start: page open to Python ready | {spread(python_ready)} | |")
    print(
        f"| cold start: page open to the first result | {spread(first_result)} | "
        f"< {COLD_START_TARGET_S:g} s: {'met' if met else 'NOT met'} |"
    )
    print(f"| second visit (caches warm): open to the first result | {spread(second_visit)} | |")
    ratio = statistics.median(first_result) / statistics.median(bare)
    print(f"| first result / Pyodide alone | {ratio:.2f}x | |")
    met = statistics.median(shown) < RERUN_TARGET_S
    print(f"| rerun, MLP preset: compute and lay out | {spread(compute, 'ms', 1000)} | |")
    print(
        f"| rerun, MLP preset: click to stepper shown | {spread(shown, 'ms', 1000)} | "
        f"< {RERUN_TARGET_S * 1000:g} ms: {'met' if met else 'NOT met'} |"
    )
    outside = sorted(set(blocked))
    print()
    print(f"requests to other addresses (blocked): {outside or 'none'}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average (1 min) at the end: {load:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    sys.exit(main())
