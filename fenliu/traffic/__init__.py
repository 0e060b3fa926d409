"""The traffic generator: realistic 110 calls and 12345 tickets for the demo, tests and
benchmarks. It decides nothing, so it lives apart from the decision core (processors/).

``generator`` (pure: the model, the events and their truth), ``text`` and ``phones`` (its
material), ``feed`` (loading the material, pacing, JSON lines, the send loop). The Kafka
feed is ``streams/traffic/sink.py``.
"""
