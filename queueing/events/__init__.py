"""The per-site event log: appended in the writing transaction, published to Redis after commit."""
