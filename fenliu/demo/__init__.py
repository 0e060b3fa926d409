"""``fenliu demo``: the pipeline on the local stack with generated traffic and a live view."""
