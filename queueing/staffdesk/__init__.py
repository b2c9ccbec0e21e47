"""What a staff workstation shows: a service point's lines, its current customer, every service."""
