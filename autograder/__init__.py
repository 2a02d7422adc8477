"""Grading for the k-means course: checkers, clean room, batch, reports."""
