"""Customers' feedback on a finished visit: a rating of 1-5 and an optional comment."""
