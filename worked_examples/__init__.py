"""Worked-example recipes for the deep-learning deck; each module registers on import."""
