"""sales domain package (filled by later issues)."""
