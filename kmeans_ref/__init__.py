"""The k-means reference implementation: the mathematics of the course."""
