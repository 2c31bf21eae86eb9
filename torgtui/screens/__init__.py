"""Textual screens, one module (and one .tcss) each. Import them lazily: start-up stays fast."""
