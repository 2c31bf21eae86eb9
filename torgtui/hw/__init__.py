"""hw domain package (filled by later issues)."""
