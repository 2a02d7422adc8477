"""Grading a batch: plan, the autograde verb, workers, nbgrader execution, gradebook merge and ledger, clean room."""
