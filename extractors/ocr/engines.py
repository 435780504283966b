"""The OCR engines by name: `CLUSTER_INTAKE_OCR_ENGINE` picks one."""

from __future__ import annotations

from typing import Callable

from extractors.ocr.engine import OcrEngine
from extractors.ocr.tesseract import TesseractEngine
from pipeline.core.errors import UsageError

EngineFactory = Callable[[object], OcrEngine]


def _rapidocr_engine(settings) -> OcrEngine:
    # imported on demand, for start-up time and memory: its ONNX models cost ~100 MB
    # that a Tesseract run should not pay
    from extractors.ocr.rapidocr import RapidOcrEngine  # lazy: the engine's runtime loads only when it is chosen

    return RapidOcrEngine.from_settings(settings)


def _ppocr_engine(settings) -> OcrEngine:
    # imported on demand: OpenVINO and its models cost start-up time a Tesseract run should not pay
    from extractors.ocr.ppocr import PpOcrEngine  # lazy: the engine's runtime loads only when it is chosen

    return PpOcrEngine.from_settings(settings)


OCR_ENGINES: dict[str, EngineFactory] = {
    "ppocr": _ppocr_engine,  # PP-OCRv6 tiny on OpenVINO, the default
    "tesseract": TesseractEngine.from_settings,
    "rapidocr": _rapidocr_engine,  # a further engine plugs in here the same way
}


def engine_for(settings) -> OcrEngine:
    try:
        factory = OCR_ENGINES[settings.ocr_engine]
    except KeyError:
        known = "、".join(sorted(OCR_ENGINES))
        raise UsageError(f"未知的 OCR 引擎“{settings.ocr_engine}”，可选：{known}") from None
    return factory(settings)
