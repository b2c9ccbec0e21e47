"""Staffing advice: a site's history and bookings turned into service points per hour."""
