"""Small helpers every stage uses: atomic file writes, the canonical JSON digest, strict JSON
decoding, redaction and the cached bearer token of the API profiles."""
