"""Replay (read, re-decide, write) and the case audit: reading the recorded topics back."""
