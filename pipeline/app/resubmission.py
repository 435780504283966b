"""What changed since a cluster's previous submission (the same name and region, other bytes).

The reviewer checks only the difference: files added, removed and changed,
items now present or still missing, indicators old → new, and findings
resolved, new and unchanged (by their stable `id`).
"""

from __future__ import annotations

from typing import Any

from pipeline.app.effective import ensure_ids
from pipeline.app.store import ResultStore, StoredRun


def previous_submission(store: ResultStore, run: StoredRun) -> StoredRun | None:
    """The newest earlier completed run of the same cluster whose bytes differ."""
    for other in store.history():
        if other.id == run.id or not other.completed or other.packet_hash == run.packet_hash:
            continue
        if other.finished_at > run.finished_at:
            continue
        same_packet = other.packet_id == run.packet_id
        same_cluster = run.cluster_name is not None and (other.cluster_name, other.region) == (
            run.cluster_name, run.region)
        if same_packet or same_cluster:
            return other
    return None


def _files(result: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f.get("sha256") for f in result.get("files") or []}


def _value(indicator: dict[str, Any] | None):
    return (indicator or {}).get("value")


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    old, new = ensure_ids(old), ensure_ids(new)
    old_files, new_files = _files(old), _files(new)
    old_present = {s["item"] for s in old.get("sections") or [] if s.get("present") and not s.get("empty")}
    new_present = {s["item"] for s in new.get("sections") or [] if s.get("present") and not s.get("empty")}
    all_items = {s["item"] for s in new.get("sections") or []}
    indicators = []
    for key, indicator in (new.get("indicators") or {}).items():
        before, after = _value((old.get("indicators") or {}).get(key)), _value(indicator)
        if before != after:
            indicators.append({"key": key, "old": before, "new": after})
    old_findings = {f["id"]: f for f in old.get("findings") or []}
    new_findings = {f["id"]: f for f in new.get("findings") or []}
    return {
        "previous_packet_id": old.get("packet_id"),
        "files_added": sorted(set(new_files) - set(old_files)),
        "files_removed": sorted(set(old_files) - set(new_files)),
        "files_changed": sorted(n for n in set(new_files) & set(old_files) if new_files[n] != old_files[n]),
        "items_now_present": sorted(new_present - old_present),
        "items_still_missing": sorted(all_items - new_present - (old_present - new_present)),
        "items_now_missing": sorted(old_present - new_present),
        "indicators": indicators,
        "findings_resolved": [old_findings[i] for i in old_findings if i not in new_findings],
        "findings_new": [new_findings[i] for i in new_findings if i not in old_findings],
        "findings_unchanged": [new_findings[i] for i in new_findings if i in old_findings],
    }


def changes_since_previous(store: ResultStore, run: StoredRun, result: dict[str, Any]) -> dict[str, Any] | None:
    previous = previous_submission(store, run)
    if previous is None:
        return None
    old = store.result_of(previous)
    if old is None:
        return None
    out = compare(old, result)
    out["previous_at"] = previous.finished_at
    return out
