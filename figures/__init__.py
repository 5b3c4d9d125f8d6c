"""Figure recipes for the deep-learning deck; each module registers its figures on import."""
