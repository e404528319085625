"""Models of the shares app."""
