"""Live wait estimates (the routing replay of domain/eta.py on the lobby) and staffing advice."""
