"""Queue and appointment routing for multi-unit public service centres."""
