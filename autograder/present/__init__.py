"""Presenting the lessons offline: reveal.js slides and the executed site, with vendored assets."""
