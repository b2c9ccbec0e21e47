"""Who may do what: the principal every service asks, and each route's declared access rule."""
