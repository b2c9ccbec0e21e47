"""Background jobs on RQ. Imports queueing; queueing never imports this package."""
