"""Isolation of student code: the kernel jail (Landlock, seccomp, limits) and the clean room's sandboxed child."""
