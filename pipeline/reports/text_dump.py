"""text.jsonl: the text the pipeline read, one JSON object per page (contract: text.jsonl).

Reviewers search it in the workbench; acceptance checks measure reading quality on it.
Each page's text is `Page.text()`: lines in reading order, a table row's cells joined
by tabs, a merged cell once.
"""

from __future__ import annotations

import json
from typing import Iterable

from pipeline.core.document import SourceDocument


def text_jsonl(docs: Iterable[SourceDocument]) -> str:
    """Every page of every file, files in packet order."""
    lines = []
    for doc in docs:
        for page in doc.pages:
            confidence = round(page.ocr_confidence, 1) if page.ocr_confidence is not None else None
            lines.append(json.dumps({"file": doc.name, "page": page.number, "method": page.method.value,
                                     "confidence": confidence, "text": page.text()}, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)
