"""Sites, units, services and service points: configuration and read API."""
