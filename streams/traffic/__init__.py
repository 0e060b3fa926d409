"""The traffic generator's Kafka feed: generated records onto the raw topics."""
