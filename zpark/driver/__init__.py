"""The driver: Context, RDD graph, scheduling, and the I/O edges that run it."""
