"""Text work: pure functions over strings (normalization, slugs, dates)."""
