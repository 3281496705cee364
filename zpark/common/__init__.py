"""What every zpark process shares: errors, configuration, hashing, partitioners, serialization,
the signed wire protocol and its message kinds, secrets, the task context."""
