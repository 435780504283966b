"""Rows of a ruled table that lacks its row rules, from where the ink lies.

A zebra or partly ruled table has its column rules but few row rules (or only the
edges of its shading): each slot between two rules then holds several table rows,
and read cell by cell their lines run together. Inside such a slot the rows are the
bands of ink that cross several columns; a band with ink in one column only is a
wrapped cell's next line and stays with the band above it. A grid is refined only
when one of its slots holds three such rows or more: a ruled row with a wrapped
cell or two is left alone.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from extractors.ocr.grid import GridCell, TableGrid

MIN_ROWS_TO_REFINE = 3


def _bands(profile: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """(start, end) runs of rows with ink, gaps up to `gap` closed."""
    rows = np.flatnonzero(profile)
    if len(rows) == 0:
        return []
    bands = [[int(rows[0]), int(rows[0]) + 1]]
    for y in rows[1:]:
        if y - bands[-1][1] <= gap:
            bands[-1][1] = int(y) + 1
        else:
            bands.append([int(y), int(y) + 1])
    return [(a, b) for a, b in bands]


def _slot_rows(grid: TableGrid, ink: np.ndarray, r: int, dpi: float) -> list[tuple[float, float]]:
    """The table rows inside slot row `r`: (top, bottom) in pixels."""
    top, bottom = int(grid.ys[r]), int(grid.ys[r + 1])
    inset = max(2, int(dpi * 0.02))  # keep clear of the rules
    columns = []
    for c in range(grid.n_cols):
        x0, x1 = int(grid.xs[c]) + inset, int(grid.xs[c + 1]) - inset
        # a row of a column has ink when a few pixels of it do: lone specks of scanner noise do not count
        columns.append(ink[top + inset:bottom - inset, x0:x1].sum(axis=1) >= 3 if x1 > x0 else None)
    columns = [col for col in columns if col is not None]
    if not columns or bottom - top <= 2 * inset:
        return [(top, bottom)]
    anywhere = np.any(columns, axis=0)
    rows: list[list[int]] = []
    for a, b in _bands(anywhere, gap=max(1, int(dpi * 0.012))):
        if b - a < dpi * 0.05:
            continue  # thinner than any text line: a rule's halo, a shading edge, dirt
        filled = sum(1 for col in columns if col[a:b].any())
        if filled < 2 and rows:
            rows[-1][1] = b  # a wrapped cell's next line
        else:
            rows.append([a, b])
    if len(rows) < 2:
        return [(top, bottom)]
    edges = [top] + [top + inset + (rows[i][1] + rows[i + 1][0]) / 2 for i in range(len(rows) - 1)] + [bottom]
    return list(zip(edges, edges[1:]))


def refine_rows(grid: TableGrid, image: Image.Image, dpi: float) -> TableGrid:
    """The grid with its missing row boundaries put back from the ink (or as it was)."""
    pixels = np.asarray(image.convert("L"))
    paper = int(np.median(pixels[::4, ::4]))
    ink = pixels < paper - 80
    per_slot = [_slot_rows(grid, ink, r, dpi) for r in range(grid.n_rows)]
    if max(len(rows) for rows in per_slot) < MIN_ROWS_TO_REFINE:
        return grid
    ys: list[float] = [grid.ys[0]]
    cells: list[GridCell] = []
    slot_owner: dict[tuple[int, int], int] = {}
    for r, rows in enumerate(per_slot):
        owners = []  # the slot row's cells left to right, as column ranges
        for c in range(grid.n_cols):
            cell = grid.cells[grid.slot_owner[(r, c)]]
            if not owners or owners[-1] != cell.cols:
                owners.append(cell.cols)
        for _, bottom in rows:
            new_row = len(ys) - 1
            for c0, c1 in owners:
                for c in range(c0, c1 + 1):
                    slot_owner[(new_row, c)] = len(cells)
                cells.append(GridCell((new_row, new_row), (c0, c1), (grid.xs[c0], ys[-1], grid.xs[c1 + 1], bottom)))
            ys.append(bottom)
    return TableGrid(list(grid.xs), ys, cells, slot_owner)
