"""Page images in the workbench: a real PDF packet's page with the evidence box drawn on it."""

from __future__ import annotations

import io
import re
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image

from pipeline.app.recorded import process_recorded
from pipeline.app.reviews import ReviewStore
from pipeline.app.store import ResultStore
from pipeline.app.web.server import create_app
from pipeline.app.workbench import Workbench
from pipeline.core.settings import Settings
from sample_docs.generate import generate_packet


def red_pixels(png: bytes) -> int:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return sum(1 for r, g, b in image.get_flattened_data() if r > 180 and g < 80 and b < 80)


def test_evidence_is_boxed_on_its_page_and_pages_are_viewable(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data")
    truth = generate_packet("text_table", tmp_path / "gen", seed=7, defects=("sme_share_low",))
    source = next((tmp_path / "gen" / "packets").iterdir())
    result = process_recorded(source, tmp_path / "out", settings)
    assert truth["packet_id"] == result.packet_id
    store = ResultStore(settings.database_url)
    ReviewStore(store).add_user("li", "reviewer", "pw")
    bench = Workbench(store)
    client = TestClient(create_app(bench, settings.data_dir, settings), base_url="http://127.0.0.1")
    try:
        client.post("/api/login", json={"username": "li", "password": "pw"})
        page = client.get(f"/packets/{result.packet_id}").text
        images = re.findall(r'<img class="page-image" src="([^"]+)"', page)
        assert images, "no page image on the packet page"
        src = images[0].replace("&amp;", "&")
        png = client.get(src)
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        unboxed = client.get(re.sub(r"finding=[^&]+", "finding=none", src))  # the same page, no finding's box
        assert red_pixels(png.content) - red_pixels(unboxed.content) > 100  # the evidence box
        big = client.get(src + "&zoom=2")
        assert Image.open(io.BytesIO(big.content)).width > Image.open(io.BytesIO(png.content)).width * 1.8
        plain = client.get(f"/packets/{result.packet_id}/pages/0/1.png")
        assert plain.status_code == 200
        viewer = client.get(f"/packets/{result.packet_id}/viewer/0/2")
        assert viewer.status_code == 200 and "第2页" in viewer.text and "下一页" in viewer.text
        assert client.get(f"/packets/{result.packet_id}/pages/9/1.png").status_code == 404
        assert client.get(f"/packets/{result.packet_id}/pages/0/999.png").status_code == 404
        # the county's newer file in the same place is not shown under the old run
        source.write_bytes(source.read_bytes() + b"\n% changed\n")
        fresh = TestClient(create_app(bench, settings.data_dir, settings), base_url="http://127.0.0.1")
        fresh.post("/api/login", json={"username": "li", "password": "pw"})
        assert fresh.get(f"/packets/{result.packet_id}/pages/0/1.png").status_code == 404
    finally:
        store.close()
