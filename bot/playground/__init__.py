"""``gluteclub playground``: the real bot against a local Discord, seen and driven from a page on 127.0.0.1."""
