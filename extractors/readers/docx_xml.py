"""WordprocessingML names and attribute helpers shared by the DOCX reader's modules."""

from __future__ import annotations

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
V_NS = "urn:schemas-microsoft-com:vml"

_FALSE_VALUES = {"0", "false", "off"}


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


W_VAL = w("val")


def on(element) -> bool:
    """A WordprocessingML toggle: present and not switched off."""
    return element is not None and element.get(W_VAL, "true").lower() not in _FALSE_VALUES


def int_attr_named(element, attribute: str, default: int = 0) -> int:
    try:
        return int(element.get(attribute, default))
    except ValueError:
        return default


def int_attr(element, default: int) -> int:
    if element is None:
        return default
    try:
        return int(element.get(W_VAL, default))
    except ValueError:
        return default
