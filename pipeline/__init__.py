"""cluster-intake: the pipeline core (document model, packet loading, sections, results, reports, CLI)."""

__version__ = "0.1.0"
