"""Bundled example jobs (``zpark run-example NAME``)."""
