"""swapview: triage what changed when the model under an LLM feature is swapped."""

__version__ = "0.1.0"
