"""The instructor's side: release the student versions, generate a class, run the demo."""
