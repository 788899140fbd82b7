"""Formulas copied from textbooks, course notes and tutorials that have no notation profile, each with the
[notation] table a reader of that source writes, and the verdict its writer means (``corpus.py``)."""
