"""Small helpers every stage uses: atomic file writes and the canonical JSON digest."""
