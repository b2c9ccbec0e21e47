"""The timed sweeps: automatic no-shows, day close, missed appointments, retention."""
