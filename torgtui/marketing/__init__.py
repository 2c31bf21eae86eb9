"""marketing domain package (filled by later issues)."""
