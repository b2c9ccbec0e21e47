"""Statistics from the system of record: figures per site, unit, service, point and local hour."""
