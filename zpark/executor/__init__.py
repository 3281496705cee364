"""The executor: runs tasks, keeps shuffle files and cached partitions, serves blocks to peers."""
