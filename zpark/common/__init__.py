"""What every zpark process shares: protocol, serialization, hashing, config, errors."""
