"""Models of the collaboration app."""
