"""The RDD: its API, dependencies, kinds, pair functions, sampling, stats, and the picklable halves of
Broadcast and Accumulator. Built on the driver, pickled into stage binaries, computed on executors."""
