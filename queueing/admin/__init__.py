"""Administering sites over HTTP: the configuration file\x27s parts and the accounts."""
