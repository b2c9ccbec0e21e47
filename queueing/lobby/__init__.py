"""The lobby read model: who waits where and for how long, read one way for everyone.

repository.py holds every lobby query; learning.py what a process has learned of service
times; replay.py the estimate (domain/eta.py replayed on the lobby); reader.py the shared reader
that tickets, displays and staffing read through; state.py the display state; desk.py the staff
desk's view.
"""
