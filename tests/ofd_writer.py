"""Write OFD packages (GB/T 33190) for tests: from a PDF's characters, or one scanned image per page."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pdfplumber
from PIL import Image

NS = "http://www.ofdspec.org/2016"
MM_PER_PT = 25.4 / 72.0
ASCENT = 0.88


def _ofd_xml() -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{NS}" Version="1.0" DocType="OFD">'
            "<ofd:DocBody><ofd:DocInfo><ofd:DocID>test</ofd:DocID></ofd:DocInfo>"
            "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")


def _document_xml(box_mm: tuple[float, float], pages: int) -> str:
    page_list = "".join(f'<ofd:Page ID="{i + 10}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(pages))
    return (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{NS}"><ofd:CommonData>'
            f"<ofd:MaxUnitID>999</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 {box_mm[0]:.3f} {box_mm[1]:.3f}"
            "</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>"
            f"<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes></ofd:CommonData><ofd:Pages>{page_list}</ofd:Pages></ofd:Document>")


def _page_xml(objects: list[str]) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{NS}"><ofd:Content><ofd:Layer ID="2">'
            f'{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>')


_PUBLIC_RES = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts>'
               '<ofd:Font ID="3" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>')


def _document_res(images: list[str]) -> str:
    media = "".join(f'<ofd:MultiMedia ID="{100 + i}" Type="Image"><ofd:MediaFile>{name}</ofd:MediaFile></ofd:MultiMedia>'
                    for i, name in enumerate(images))
    return f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:MultiMedias>{media}</ofd:MultiMedias></ofd:Res>'


def _text_object(object_id: int, chars: list[dict]) -> str:
    """One word as a TextObject: its box, size, baseline and the advance of each character (mm)."""
    size = chars[0]["size"] * MM_PER_PT
    x0 = chars[0]["x0"] * MM_PER_PT
    top = chars[0]["bottom"] * MM_PER_PT - size
    text = "".join(c["text"] for c in chars)
    width = chars[-1]["x1"] * MM_PER_PT - x0
    advances = " ".join(f"{(b['x0'] - a['x0']) * MM_PER_PT:.3f}" for a, b in zip(chars, chars[1:]))
    return (f'<ofd:TextObject ID="{object_id}" Boundary="{x0:.3f} {top:.3f} {max(width, 0.1):.3f} {size:.3f}" Font="3" '
            f'Size="{size:.3f}"><ofd:TextCode X="0" Y="{size * ASCENT:.3f}" DeltaX="{advances}">{escape(text)}'
            "</ofd:TextCode></ofd:TextObject>")


def _path_object(object_id: int, edge: dict) -> str:
    x0, top = edge["x0"] * MM_PER_PT, edge["top"] * MM_PER_PT
    width, height = (edge["x1"] - edge["x0"]) * MM_PER_PT, (edge["bottom"] - edge["top"]) * MM_PER_PT
    end = f"{width:.3f} 0" if edge["orientation"] == "h" else f"0 {height:.3f}"
    return (f'<ofd:PathObject ID="{object_id}" Boundary="{x0:.3f} {top:.3f} {max(width, 0.1):.3f} {max(height, 0.1):.3f}" '
            f'LineWidth="0.25"><ofd:AbstractData>M 0 0 L {end}</ofd:AbstractData></ofd:PathObject>')


def ofd_from_pdf(pdf_path: Path, target: Path) -> Path:
    """The PDF's text re-written as OFD TextObjects at the same positions (one per word)."""
    pages: list[list[str]] = []
    with pdfplumber.open(pdf_path) as pdf:
        width, height = pdf.pages[0].width, pdf.pages[0].height
        object_id = 1000
        for page in pdf.pages:
            objects = []
            for word in page.extract_words(return_chars=True, use_text_flow=False):
                object_id += 1
                objects.append(_text_object(object_id, word["chars"]))
            for edge in page.edges:  # table rulings as PathObjects
                object_id += 1
                objects.append(_path_object(object_id, edge))
            pages.append(objects)
    _write(target, (width * MM_PER_PT, height * MM_PER_PT), [_page_xml(p) for p in pages], {})
    return target


def ofd_from_images(images: list[Image.Image], target: Path, page_mm: tuple[float, float] = (210.0, 297.0)) -> Path:
    """A scanned OFD: each page one ImageObject covering the page."""
    media = {}
    pages = []
    for i, image in enumerate(images):
        data = io.BytesIO()
        image.save(data, format="PNG")
        media[f"page_{i}.png"] = data.getvalue()
        pages.append(_page_xml([f'<ofd:ImageObject ID="{2000 + i}" ResourceID="{100 + i}" '
                                f'Boundary="0 0 {page_mm[0]} {page_mm[1]}" CTM="{page_mm[0]} 0 0 {page_mm[1]} 0 0"/>']))
    _write(target, page_mm, pages, media)
    return target


def _write(target: Path, box_mm: tuple[float, float], pages: list[str], media: dict[str, bytes]) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("OFD.xml", _ofd_xml())
        archive.writestr("Doc_0/Document.xml", _document_xml(box_mm, len(pages)))
        archive.writestr("Doc_0/PublicRes.xml", _PUBLIC_RES)
        archive.writestr("Doc_0/DocumentRes.xml", _document_res(list(media)))
        for i, page in enumerate(pages):
            archive.writestr(f"Doc_0/Pages/Page_{i}/Content.xml", page)
        for name, data in media.items():
            archive.writestr(f"Doc_0/Res/{name}", data)
