"""Evidence a score alone does not show: scans of the submitted notebook, flags, similar submissions."""
