"""channels domain package (filled by later issues)."""
