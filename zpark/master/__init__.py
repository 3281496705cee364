"""The cluster manager: membership of executors and which application each one serves."""
