"""What an operator sees of a running bot: ``/healthz`` and ``/metrics`` (on when ``HEALTH_PORT`` is set)."""
