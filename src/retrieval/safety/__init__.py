"""Questions that must not be answered or stored as typed: personal data screening."""
