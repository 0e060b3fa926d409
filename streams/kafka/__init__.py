"""The Kafka toolkit every service shares: produce and commit, signals, dead letters and
the client configurations built from ``Settings``. No service logic lives here."""
