"""The LMS round trip: downloads in (collect)."""
