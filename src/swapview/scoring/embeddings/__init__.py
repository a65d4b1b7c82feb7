"""Embedding backends behind one interface (`Embedder`)."""
