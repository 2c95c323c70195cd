"""Takes the README's screenshots of the query editor's views (docs/screenshots/*.png) from the real server.

Builds the graph into a temporary directory, runs `kg serve` on a free loopback port, opens each view's
permalink in headless chromium and saves the page. Usage: ``.venv/bin/python -m tests.screenshots``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import urlencode

from kg.build import build
from kg.iris import Minter
from tests.browser import launched_browser
from tests.conftest import serve
from tests.test_editor_views import DATES, PER_SPEAKER, SPEAKERS_CONCEPTS

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
VIEWS = {
    "table": "#defaultView:Table\n" + PER_SPEAKER,
    "timeline": DATES,
    "network": SPEAKERS_CONCEPTS,
    "barchart": PER_SPEAKER,
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        built = build(Path(tmp) / "build", Minter())
        server = serve(built.store_path.parent)
        url = next(server).url
        try:
            with launched_browser() as browser:
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                for name, query in VIEWS.items():
                    page.goto(url + "query?" + urlencode({"query": query}))
                    page.wait_for_selector(".yasr_results > *", timeout=15_000)
                    page.wait_for_timeout(500)  # the network's layout and the chart settle
                    page.locator(".yasr").screenshot(path=str(OUT / f"{name}.png"))
                    print(OUT / f"{name}.png")
        finally:
            server.close()


if __name__ == "__main__":
    main()
