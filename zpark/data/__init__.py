"""The record path executors run: batches, chunks, aggregation, joins, spilling, numpy columns, lines."""
