"""The LMS round trip: downloads in (collect), identities and deadlines, grades and feedback out (export, feedback)."""
