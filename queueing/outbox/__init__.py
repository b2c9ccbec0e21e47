"""The outbox: messages planned in the transaction of the change that causes them, their rows
and the dispatch cursor (repository), and the RQ wake-ups enqueued after commit."""
