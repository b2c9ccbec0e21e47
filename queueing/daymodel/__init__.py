"""Day models of a site: learned from its history, or the bundled demo day as a fallback."""
