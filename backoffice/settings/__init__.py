"""Settings split by environment: ``base`` holds everything shared, ``local``, ``test`` and
``production`` adjust it. Every value that differs between deployments comes from the
environment (12-factor)."""
