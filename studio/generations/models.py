"""Generations and their assets (the generation engine builds these)."""
