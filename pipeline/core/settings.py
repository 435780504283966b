"""All configuration in one validated object, read once at start-up.

Every value can be set from the environment with the `CLUSTER_INTAKE_` prefix
(e.g. `CLUSTER_INTAKE_OCR_DPI=300`). Stages receive the settings object; none
reads the environment itself.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLUSTER_INTAKE_", extra="ignore")

    data_dir: Path = Field(default=PROJECT_ROOT / "data", description="cache, results store, Prefect home")
    db_url: str | None = Field(default=None, description="SQLAlchemy URL; SQLite under data_dir when unset")

    # OCR
    ocr_engine: str = "ppocr"  # "ppocr" (PP-OCRv6 tiny on OpenVINO) | "tesseract" | "rapidocr"
    # a PP-OCR line whose lowest character confidence (0..1) is below this is read again by the
    # v6 small model (characters the tiny dictionary lacks); 0 turns the re-read off
    ocr_reread_below: float = 0.6
    ocr_lang: str = "chi_sim"  # measured: benchmarks/ocr_tuning.md
    ocr_dpi: int = 300  # render dpi for OCR, and the most a scan is read at (benchmarks/ocr_tuning.md)
    # A scanned PDF page is read at its scan's own resolution, between these two:
    # 200-dpi scans read at 200 were as accurate as at 300 and ~25 % cheaper (benchmarks/results.md).
    ocr_min_dpi: int = 200
    ocr_psm: int = 3  # measured: benchmarks/ocr_tuning.md
    ocr_confidence_floor: float = 60.0  # mean word confidence below this → OCR_LOW_CONFIDENCE
    ocr_page_timeout_s: float = 120.0
    workers: int = 2  # reader processes (pipeline/core/workers.py)
    # address space a reader process may take; a file that needs more is FILE_UNREADABLE
    memory_limit_mb: int = 4096

    # parsing limits (hostile input)
    file_timeout_s: float = 600.0
    max_image_pixels: int = 120_000_000
    ocr_max_page_pixels: int = 25_000_000  # a bigger PDF page is rendered for OCR at a lower dpi (A3 at 300 dpi: 17.4 M)
    zip_max_entries: int = 2000
    zip_max_total_bytes: int = 2 * 1024**3
    zip_max_entry_bytes: int = 512 * 1024**2
    zip_max_ratio: float = 200.0
    pdf_passwords: dict[str, str] = Field(default_factory=dict, description="file name → password")

    ruleset: str | None = None  # None: chosen from the packet's 填报日期
    use_cache: bool = True

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{self.data_dir / 'results.sqlite'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
