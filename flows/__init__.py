"""Prefect orchestration of the pipeline stages (thin: tasks wrap stage functions one to one).

`flows.prefect_env` is imported first so Prefect sees its settings before it loads.
"""

from flows import prefect_env as _prefect_env  # noqa: F401  (must precede any prefect import)
