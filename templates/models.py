"""Models of the templates app."""
